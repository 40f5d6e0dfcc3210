"""Boards in the browser: a member creates a card, adds a checklist item, a comment and a file,
and moves it with the move control; a member drags a card to another column; a visitor sees it
and cannot change it; a script title and image markup in a comment, a tag and a name show as
text and fire no dialog. Screenshots in English and Korean.

``csm01`` is a member of the first team's board (key ``CS``) in the demo data; ``viewer``
sees it as a visitor; ``manager`` is its board admin.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from cs_data import boards, users
from cs_data.auth import operator
from cs_data.db import create_engine_for
from cs_data.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

SCRIPT_TITLE = "<script>alert(1)</script>"
IMAGE_COMMENT = "<img src=x onerror=alert(1)>"


def column(page: Page, name: str) -> Locator:
    """A column of the board component (Playwright's CSS reaches into its shadow root)."""
    return page.locator("section.column").filter(
        has=page.locator("header .name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def drag(page: Page, card: Locator, target: Locator) -> None:
    """Drag ``card`` onto the top of ``target`` with the mouse, as a person does: press,
    move in steps, release (Chromium turns it into HTML drag and drop events)."""
    card.scroll_into_view_if_needed()
    start, end = card.bounding_box(), target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 4, steps=10)
    page.mouse.up()


def menu(page: Page, name: str) -> Locator:
    """The toolbar's popover button ``name`` (its icon is part of its text)."""
    return page.get_by_test_id("stPopoverButton").filter(has_text=name)


def choose(page: Page, scope, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label`` (inside ``scope``)."""
    scope.get_by_label(label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_member_works_a_card_and_a_visitor_only_reads_it(
    app_server, browser, page, page_errors, idle, rerun, login, screenshot
):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server)
    idle(page)
    login(page, "csm01")
    page.goto(f"{app_server}/boards?board=CS")
    idle(page)

    menu(page, "New card").click()
    page.get_by_role("textbox", name="Title").fill(SCRIPT_TITLE)
    rerun(page, page.get_by_role("button", name="Add", exact=True).click)
    added = page.get_by_test_id("stToast").inner_text()
    key = re.search(r"CS-\d+", added).group(0)
    page.keyboard.press("Escape")  # the form stays open for the next card until closed
    expect(page.get_by_test_id("stPopoverBody")).to_have_count(0)
    card_button = page.get_by_role("button", name=f"{key} · {SCRIPT_TITLE}")
    expect(card_button).to_be_visible()

    rerun(page, card_button.click)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(SCRIPT_TITLE).first).to_be_visible()
    dialog.get_by_role("textbox", name="New checklist item").fill("Call the customer back")
    rerun(page, dialog.get_by_role("button", name="Add item").click)
    expect(dialog.get_by_text("Call the customer back")).to_be_visible()
    dialog.get_by_role("tab", name=re.compile("Comments")).click()
    dialog.get_by_role("textbox", name="Comment").fill(IMAGE_COMMENT)
    rerun(page, dialog.get_by_role("button", name="Post comment").click)
    dialog.get_by_role("tab", name=re.compile("Comments")).click()
    expect(dialog.get_by_text(IMAGE_COMMENT)).to_be_visible()
    dialog.get_by_role("tab", name=re.compile("Files")).click()
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"call notes\n"}]
    )
    expect(dialog.get_by_text("notes.txt")).to_be_visible()
    idle(page)
    rerun(page, dialog.get_by_role("button", name="Attach").click)
    dialog.get_by_role("tab", name=re.compile("Files")).click()
    expect(dialog.get_by_test_id("stDownloadButton").filter(has_text="notes.txt")).to_be_visible()

    rerun(page, lambda: choose(page, dialog, "Move to column", "Open tickets"))
    rerun(page, dialog.get_by_role("button", name="Move", exact=True).click)
    expect(dialog.get_by_text("In Open tickets")).to_be_visible()
    screenshot(page, "boards-card-detail-en")
    rerun(page, lambda: page.keyboard.press("Escape"))
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(
        column(page, "Open tickets").get_by_role("button", name=f"{key} · {SCRIPT_TITLE}")
    ).to_be_visible()
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
    visitor.keyboard.press("Escape")  # (``rerun`` sees the server's answers on ``page`` only)
    expect(seen).to_have_count(0)
    idle(visitor)
    expect(menu(visitor, "Filters")).to_have_count(1)
    expect(menu(visitor, "New card")).to_have_count(0)
    expect(visitor.locator(".card[draggable=true]")).to_have_count(0)
    assert dialogs == []
    visitor.context.close()


def test_a_member_drags_a_card_to_another_column_and_user_text_stays_text(
    app_server, demo_database_url, page, page_errors, idle, rerun, login, screenshot
):
    engine = create_engine_for(demo_database_url)
    try:
        board = boards.create_board(
            engine, operator(), name="Drag and drop", key="DND", is_private=True
        )
        person = users.create_user(
            engine,
            operator(),
            username="markup",
            display_name=IMAGE_COMMENT,
            role="csm",
            password=DEMO_PASSWORD,
        )
        for username in ("csm01", "markup"):
            (user_id,) = boards.user_ids(engine, [username])
            boards.set_member(engine, operator(), board.id, user_id=user_id, role="member")
        boards.set_tag(engine, operator(), board.id, name=IMAGE_COMMENT, color="red")
        dragged = boards.add_card(
            engine,
            operator(),
            board.id,
            title=SCRIPT_TITLE,
            tags=[IMAGE_COMMENT],
            assignee_ids=[person.id],
        )
        boards.add_card(
            engine, operator(), board.id, title="Already open", column_id=board.columns[1].id
        )
    finally:
        engine.dispose()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server)
    idle(page)
    login(page, "csm01")
    page.goto(f"{app_server}/boards?board=DND")
    idle(page)

    card = column(page, "New tickets").get_by_role("button", name=f"DND-1 · {SCRIPT_TITLE}")
    expect(card).to_be_visible()
    expect(card.locator(".tag")).to_have_text(IMAGE_COMMENT)
    expect(card.locator(".assignee")).to_have_text(IMAGE_COMMENT)
    expect(page.locator("section.column img, section.column script")).to_have_count(0)

    rerun(page, lambda: drag(page, card, column(page, "Open tickets").locator("header")))

    moved = column(page, "Open tickets").locator(".card:not(.pending)")
    expect(moved).to_have_count(2)
    expect(moved.first).to_have_attribute("aria-label", f"DND-1 · {SCRIPT_TITLE}")
    expect(column(page, "New tickets").locator(".card")).to_have_count(0)
    engine = create_engine_for(demo_database_url)
    try:
        stored = boards.get_board(engine, operator(), board.id).column("Open tickets")
    finally:
        engine.dispose()
    assert [c.key for c in stored.cards] == [dragged.key, "DND-2"]
    assert dialogs == [] and page_errors == []


def test_board_screens_in_english_and_korean(
    app_server, page, page_errors, idle, rerun, login, screenshot
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
        analytics, settings, collapsed = names
        if language == "ko":
            korean = page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어")
            rerun(page, korean.click)
            expect(page.get_by_role("radio", name=analytics)).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.locator(".board:not(.collapsed) .card").first).to_be_visible()
        screenshot(page, f"boards-expanded-{language}")
        rerun(page, page.get_by_role("radio", name=collapsed).click)
        expect(page.locator(".board.collapsed .card").first).to_be_visible()
        screenshot(page, f"boards-collapsed-{language}")
        rerun(page, page.get_by_role("radio", name=collapsed).click)
        expect(page.locator(".board:not(.collapsed)")).to_have_count(1)
        rerun(page, page.get_by_role("radio", name=analytics).click)  # drawn once opened
        expect(page.get_by_role("radio", name=analytics)).to_have_attribute("aria-checked", "true")
        expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(3)
        screenshot(page, f"boards-analytics-{language}")
        rerun(page, page.get_by_role("radio", name=settings).click)
        expect(page.get_by_role("radio", name=settings)).to_have_attribute("aria-checked", "true")
        screenshot(page, f"boards-settings-{language}")
        page.goto(f"{app_server}/boards?card=CS-3&lang={language}")
        idle(page)
        expect(page.get_by_role("dialog")).to_be_visible()
        screenshot(page, f"boards-card-{language}")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
        idle(page)
    assert page_errors == []
