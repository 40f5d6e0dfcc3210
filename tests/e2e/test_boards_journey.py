"""Boards in the browser: a member creates a card, adds a checklist item, a comment and a file,
and moves it with the move control; a visitor sees it and cannot change it; a script title and
an image comment show as text and fire no dialog. Screenshots in English and Korean.

``csm01`` is a member of the first team's board (key ``CS``) in the demo data; ``viewer``
sees it as a visitor; ``manager`` is its board admin.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SCRIPT_TITLE = "<script>alert(1)</script>"
IMAGE_COMMENT = "<img src=x onerror=alert(1)>"


def choose(page: Page, scope, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label`` (inside ``scope``)."""
    scope.get_by_label(label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_member_works_a_card_and_a_visitor_only_reads_it(
    app_server, browser, page, page_errors, idle, login, screenshot
):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server)
    idle(page)
    login(page, "csm01")
    page.goto(f"{app_server}/boards?board=CS")
    idle(page)

    page.get_by_role("textbox", name="New card").fill(SCRIPT_TITLE)
    page.get_by_role("button", name="Add", exact=True).click()
    idle(page)
    added = page.get_by_test_id("stToast").inner_text()
    key = re.search(r"CS-\d+", added).group(0)
    card_button = page.get_by_role("button", name=f"{key} · {SCRIPT_TITLE}")
    expect(card_button).to_be_visible()

    card_button.click()
    idle(page)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(SCRIPT_TITLE).first).to_be_visible()
    dialog.get_by_role("textbox", name="New checklist item").fill("Call the customer back")
    dialog.get_by_role("button", name="Add item").click()
    idle(page)
    expect(dialog.get_by_text("Call the customer back")).to_be_visible()
    dialog.get_by_role("tab", name=re.compile("Comments")).click()
    dialog.get_by_role("textbox", name="Comment").fill(IMAGE_COMMENT)
    dialog.get_by_role("button", name="Post comment").click()
    idle(page)
    dialog.get_by_role("tab", name=re.compile("Comments")).click()
    expect(dialog.get_by_text(IMAGE_COMMENT)).to_be_visible()
    dialog.get_by_role("tab", name=re.compile("Files")).click()
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"call notes\n"}]
    )
    idle(page)
    dialog.get_by_role("button", name="Attach").click()
    idle(page)
    dialog.get_by_role("tab", name=re.compile("Files")).click()
    expect(dialog.get_by_test_id("stDownloadButton").filter(has_text="notes.txt")).to_be_visible()

    choose(page, dialog, "Move to column", "Open tickets")
    idle(page)
    dialog.get_by_role("button", name="Move", exact=True).click()
    idle(page)
    expect(dialog.get_by_text("In Open tickets")).to_be_visible()
    screenshot(page, "boards-card-detail-en")
    page.keyboard.press("Escape")
    idle(page)
    assert dialogs == [] and page_errors == []

    visitor = browser.new_context(viewport=page.viewport_size, locale="en-US").new_page()
    visitor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    visitor.goto(app_server)
    idle(visitor)
    login(visitor, "viewer")
    visitor.goto(f"{app_server}/boards?card={key}")
    idle(visitor)
    seen = visitor.get_by_role("dialog")
    expect(seen.get_by_text("In Open tickets")).to_be_visible()
    expect(seen.get_by_text("You can read this card but not change it.")).to_have_count(1)
    expect(seen.get_by_role("button", name="Move", exact=True)).to_have_count(0)
    expect(seen.get_by_role("textbox", name="Comment")).to_have_count(0)
    visitor.keyboard.press("Escape")
    idle(visitor)
    expect(visitor.get_by_role("textbox", name="New card")).to_have_count(0)
    assert dialogs == []
    visitor.context.close()


def test_board_screens_in_english_and_korean(
    app_server, page, page_errors, idle, login, screenshot
):
    page.goto(app_server)
    idle(page)
    login(page, "manager")
    page.goto(f"{app_server}/boards?board=CS")
    idle(page)
    for language, names in (
        ("en", ("Flow analytics", "Settings", "Titles only")),
        ("ko", ("흐름 분석", "설정", "제목만 보기")),
    ):
        if language == "ko":
            page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어").click()
            idle(page)
        analytics, settings, collapsed = names
        expect(page.get_by_test_id("stException")).to_have_count(0)
        screenshot(page, f"boards-expanded-{language}")
        page.get_by_text(collapsed).click()
        idle(page)
        screenshot(page, f"boards-collapsed-{language}")
        page.get_by_text(collapsed).click()
        idle(page)
        page.get_by_role("tab", name=analytics).click()
        expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(3)
        screenshot(page, f"boards-analytics-{language}")
        page.get_by_role("tab", name=settings).click()
        screenshot(page, f"boards-settings-{language}")
        page.goto(f"{app_server}/boards?card=CS-3&lang={language}")
        idle(page)
        expect(page.get_by_role("dialog")).to_be_visible()
        screenshot(page, f"boards-card-{language}")
        page.keyboard.press("Escape")
        idle(page)
    assert page_errors == []
