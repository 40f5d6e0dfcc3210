"""The top navigation as a user sees it: sections that open a menu of page links."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def _section_menu(page: Page, section: str):
    page.get_by_test_id("stTopNavSection").filter(has_text=section).click()
    popover = page.get_by_test_id("stTopNavPopover")
    expect(popover).to_be_visible()
    return popover


def _title(link_text: str) -> str:
    """A link's page title (the link's text also holds its icon's name)."""
    return link_text.strip().splitlines()[-1]


def nav_menu(page: Page) -> dict[str, list[str]]:
    """Each navigation section with the titles of the pages in its menu, in order."""
    menu = {}
    for section in page.get_by_test_id("stTopNavSection").all_inner_texts():
        name = _title(section)
        links = _section_menu(page, name).get_by_test_id("stTopNavDropdownLink")
        menu[name] = [_title(text) for text in links.all_inner_texts()]
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("stTopNavPopover")).to_have_count(0)
    return menu


def open_page(page: Page, section: str, title: str) -> None:
    """Open a page through its section's menu, as a user does."""
    _section_menu(page, section).get_by_test_id("stTopNavDropdownLink").filter(
        has_text=title
    ).click()
