"""What surrounds every page in a real browser: the tab title, the space under the top
navigation, and the login form's answer to an empty submit (issue 15, item 8)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.navigation import open_page

pytestmark = pytest.mark.e2e

MAX_GAP_UNDER_NAVIGATION_PX = 40
"""From the bottom of the top navigation to the top of the page title (whose own heading
padding is part of it); Streamlit's default with top navigation left about 130 px."""


_STILL = """([title, checks]) => {
  const heading = [...document.querySelectorAll('h1')].find((h) => h.textContent.includes(title));
  const header = document.querySelector('[data-testid=stHeader]');
  if (!heading || !header) return false;
  const gap = heading.getBoundingClientRect().top - header.getBoundingClientRect().bottom;
  const still = window.__chromeGap === gap ? (window.__chromeStill || 0) + 1 : 0;
  window.__chromeGap = gap;
  window.__chromeStill = still;
  return still >= checks;
}"""


def gap_under_navigation(page: Page, title: str) -> float:
    """From the navigation to the page's title ``title``, once the layout has stopped moving
    (the same for a few animation frames): a page still being drawn can push its title."""
    page.wait_for_function(_STILL, arg=[title, 5], polling="raf")
    header = page.get_by_test_id("stHeader").bounding_box()
    heading = page.locator("h1", has_text=title).first.bounding_box()
    assert header and heading
    return heading["y"] - (header["y"] + header["height"])


def test_an_empty_login_submit_says_what_is_missing(app_server, page, idle):
    page.goto(app_server)
    idle(page)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_test_id("stAlert")).to_contain_text("Enter your username and your password.")


def test_each_page_has_its_own_tab_title_and_little_space_under_the_navigation(
    app_server, page, page_errors, idle, login
):
    page.goto(app_server)
    idle(page)
    login(page, "manager")

    expect(page).to_have_title("Overview · CS Cockpit")
    assert gap_under_navigation(page, "Overview") <= MAX_GAP_UNDER_NAVIGATION_PX
    for section, title in [("Insights", "Support"), ("Insights", "Targets"), ("Admin", "Audit")]:
        open_page(page, section, title)
        expect(page.locator("h1", has_text=title)).to_be_visible()
        idle(page)
        expect(page).to_have_title(f"{title} · CS Cockpit")
        assert gap_under_navigation(page, title) <= MAX_GAP_UNDER_NAVIGATION_PX
    assert page_errors == []
