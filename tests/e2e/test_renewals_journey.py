"""The renewal journey in Chromium: a CSM opens their book, updates a renewal's stage and next
step in the form and sees it at once in the table and on the stage board; an executive sees
the forecast change; a second browser that had the same renewal open gets the conflict with
both values; a next step holding a script tag shows as text. Screenshots in English and
Korean go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from cs_data.db import create_engine_for
from cs_data.fiscal import quarter_of
from cs_data.models import Account, Renewal, User

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert(1)</script>"


STAGE_NAMES = {"proposal": "Proposal", "negotiation": "Negotiation"}


def pick_renewal(database_url: str) -> tuple[str, str, str, str]:
    """An open renewal of csm01's accounts due in the current quarter (else the next), in the
    forecast and without an explicit probability, so that a stage change moves the weighted
    forecast: its id, account name, a stage to move it to, and the quarter's label."""
    engine = create_engine_for(database_url)
    current = quarter_of(datetime.now(UTC).date())
    try:
        with engine.connect() as connection:
            for quarter in (current, current.next()):
                found = connection.execute(
                    select(Renewal.id, Account.name, Renewal.stage)
                    .join(Account, Account.id == Renewal.account_id)
                    .join(User, User.id == Account.csm_id)
                    .where(
                        User.username == "csm01",
                        Renewal.outcome.is_(None),
                        Renewal.probability.is_(None),
                        Renewal.forecast_category != "omitted",
                        Renewal.renewal_date >= datetime.now(UTC).date(),
                        Renewal.renewal_date <= quarter.end,
                    )
                    .order_by(Renewal.renewal_date, Renewal.id)
                ).first()
                if found is not None:
                    target = "negotiation" if found.stage == "proposal" else "proposal"
                    return found.id, found.name, STAGE_NAMES[target], quarter.label
    finally:
        engine.dispose()
    raise AssertionError("the demo data has no open renewal of csm01 in this or the next quarter")


def weighted(page: Page) -> str:
    """The weighted forecast's exact amount, from its help (the card shows it compact, which a
    small change may leave as it was)."""
    card = page.locator(".cc-card").filter(has_text="Weighted forecast")
    help_icon = card.locator(".cc-help")
    expect(help_icon).to_have_attribute("aria-label", re.compile(r"^Exactly .+\.\n\nΣ "))
    help_icon.hover()  # the help shows on hover
    assert help_icon.evaluate("icon => getComputedStyle(icon, '::after').display") == "block"
    page.mouse.move(0, 0)
    return (help_icon.get_attribute("aria-label") or "").split("\n")[0]


def choose(page: Page, box, option: str) -> None:
    """Choose ``option`` in the select box ``box`` by typing it, as a keyboard user does."""
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")


def show_quarter(page: Page, idle, quarter: str) -> None:
    """Wait for the Forecast page, then choose ``quarter`` unless it is shown."""
    idle(page)
    if quarter not in page.get_by_label("Fiscal quarter").input_value():
        choose(page, page.get_by_label("Fiscal quarter"), quarter)
        idle(page)


def renewal_form(page: Page):
    """The open renewal's form (the page also holds the "New renewal" form)."""
    return page.locator(".st-key-renewal_panel").get_by_test_id("stForm")


def form_select(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the renewal form's select box ``label``."""
    choose(page, renewal_form(page).get_by_label(label, exact=True), option)


def test_csm_updates_a_renewal_exec_sees_it_and_a_second_browser_gets_the_conflict(
    app_server, browser, page, idle, rerun, login, screenshot, demo_database_url
):
    renewal_id, account, stage, quarter = pick_renewal(demo_database_url)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # the executive's forecast before
    exec_context = browser.new_context(viewport={"width": 1440, "height": 900})
    exec_page = exec_context.new_page()
    exec_page.goto(app_server)
    idle(exec_page)
    login(exec_page, "exec")
    exec_page.goto(f"{app_server}/forecast")  # the exec's landing page, by its own URL
    show_quarter(exec_page, idle, quarter)
    expect(exec_page.get_by_text("Page not found")).to_have_count(0)
    before = weighted(exec_page)

    # a second browser has the same renewal open
    other_context = browser.new_context(viewport={"width": 1440, "height": 900})
    other = other_context.new_page()
    other.goto(app_server)
    idle(other)
    login(other, "csm01")
    other.goto(f"{app_server}/renewals?renewal={renewal_id}")
    idle(other)
    expect(other.get_by_text(f"Renewal {renewal_id}")).to_be_visible()

    # the CSM lands on their book and updates the renewal
    page.goto(app_server)
    idle(page)
    login(page, "csm01")
    page.goto(f"{app_server}/renewals")
    idle(page)
    expect(page.get_by_role("switch", name="My book")).to_be_checked()
    screenshot(page, "renewals-pipeline-en")
    page.goto(f"{app_server}/renewals?renewal={renewal_id}")
    idle(page)
    panel = page.get_by_test_id("stVerticalBlock").filter(has_text=f"Renewal {renewal_id}").last
    form_select(page, "Stage", stage)
    form = renewal_form(page)
    form.get_by_label("Next step", exact=True).fill(SCRIPT)
    page.get_by_role("button", name="Save renewal").click()
    idle(page)
    expect(page.get_by_text("saved (version")).to_be_visible()
    expect(panel).to_be_visible()

    # at once on the stage board: the card in its new column, the script as text
    rerun(page, page.get_by_role("tab", name="Stage board").click)  # drawn once opened
    card = page.locator(f".st-key-card_{renewal_id}")
    expect(card).to_contain_text(account)
    expect(card.get_by_text(SCRIPT, exact=True)).to_be_visible()
    screenshot(page, "renewals-board-en")
    assert dialogs == []

    # the executive sees the forecast move
    exec_page.reload()
    show_quarter(exec_page, idle, quarter)  # a reload is a new session: the current quarter
    assert weighted(exec_page) != before, before
    screenshot(exec_page, "forecast-en")

    # the second browser saves its own change on the old version: refused, both shown
    form_select(other, "Risk", "High")
    other.get_by_role("button", name="Save renewal").click()
    idle(other)
    expect(other.get_by_text("Someone saved this renewal")).to_be_visible()
    expect(other.get_by_text("Their changes since you opened it")).to_be_visible()
    expect(other.get_by_text("Your changes, not saved")).to_be_visible()
    screenshot(other, "renewals-conflict-en")
    other.get_by_role("button", name="Re-apply my changes on top").click()
    idle(other)
    expect(other.get_by_text("saved (version")).to_be_visible()

    # the same pages in Korean
    for shot_page in (page, other, exec_page):
        shot_page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어").click()
        idle(shot_page)
        expect(shot_page.get_by_test_id("stException")).to_have_count(0)
    screenshot(other, "renewals-form-ko")
    screenshot(exec_page, "forecast-ko")
    # the stage board stays open across the switch, its tab now named in Korean
    expect(page.get_by_role("tab", name="단계 보드")).to_have_attribute("aria-selected", "true")
    expect(page.locator(f".st-key-card_{renewal_id}")).to_contain_text(account)
    screenshot(page, "renewals-board-ko")
    rerun(page, page.get_by_role("tab", name="파이프라인").click)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, "renewals-pipeline-ko")
    exec_context.close()
    other_context.close()
    assert dialogs == []
