"""A CSM's morning: open "my accounts", sort by health, open a red account, read why it is
red, log a call, and see the call in the log and the engagement component move after a
recompute (done by an admin on Settings). Screenshots in English and Korean."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cs_data import accounts, health
from cs_data.accounts import AccountFilter
from cs_data.db import create_engine_for
from cs_data.models import Interaction, User

pytestmark = pytest.mark.e2e

SUMMARY = "Called about the open escalations; agreed a weekly check-in"


def _red_account_to_call(database_url: str) -> tuple[str, str, str]:
    """(id, name, CSM name) of csm01's largest red account whose engagement a call today
    would raise."""
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            csm, csm_name = connection.execute(
                select(User.id, User.display_name).where(User.username == "csm01")
            ).one()
        today = datetime.now(UTC).date()
        health.ensure_snapshots(engine, today)
        red = accounts.export_accounts(
            engine, AccountFilter(csm_id=csm, band="red"), sort="arr", descending=True
        )
        scores = {
            h.account_id: h for h in health.stored(engine, today, account_ids=[r.id for r in red])
        }
        for row in red:
            engagement = scores[row.id].components["engagement"].score
            if engagement is not None and engagement < 100:
                return row.id, row.name, csm_name
    finally:
        engine.dispose()
    pytest.skip("the demo data gave csm01 no red account to call")


def _engagement(database_url: str, account_id: str) -> float | None:
    engine = create_engine_for(database_url)
    try:
        found = health.stored(engine, datetime.now(UTC).date(), account_ids=[account_id])
        return found[0].components["engagement"].score if found else None
    finally:
        engine.dispose()


def test_a_csm_finds_a_red_account_logs_a_call_and_sees_engagement_move(
    app_server, demo_database_url, browser, page, page_errors, idle, rerun, login, screenshot
):
    account_id, name, csm_name = _red_account_to_call(demo_database_url)
    before = _engagement(demo_database_url, account_id)

    page.goto(app_server)
    idle(page)
    login(page, "csm01")
    expect(page.locator("h1", has_text="Accounts")).to_be_visible()  # the CSM's landing page
    csm_filter = page.get_by_test_id("stSelectbox").nth(2)  # segment, region, CSM, ...
    expect(csm_filter.locator("input")).to_have_value(csm_name)  # "my accounts" at once
    page.goto(app_server)  # a CSM lands on Accounts, signed in by the cookie
    idle(page)
    expect(csm_filter.locator("input")).to_have_value(csm_name)  # "my accounts" by default
    page.get_by_text("Change in 7 days", exact=True).click()  # another sort, then health
    idle(page)
    page.get_by_text("Health", exact=True).first.click()
    idle(page)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, "accounts-en")
    rerun(page, page.get_by_role("tab", name="At risk").click)  # only the open tab is drawn
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, "at-risk-en")

    page.goto(f"{app_server}/?account={account_id}")  # the CSM's landing page
    idle(page)
    expect(page.locator("h1", has_text=name)).to_be_visible()
    expect(page.get_by_role("heading", name="Why this score")).to_be_visible()
    health_card = page.locator(".cc-card").first  # the header's card grid, health first
    expect(health_card.locator(".cc-label > span").first).to_have_text("Health")
    expect(health_card.locator(".cc-value")).to_have_text(re.compile(r"^\d+ · Red$"))
    screenshot(page, "account-red-en")

    page.get_by_text("Log an interaction").click()
    page.get_by_role("radio", name="Call", exact=True).click()  # not a "Call" in its table
    page.get_by_role("textbox", name="Summary").fill(SUMMARY)
    page.get_by_role("button", name="Save", exact=True).click()  # not "Save renewal"
    idle(page)
    expect(page.get_by_text("Interaction saved")).to_be_visible()
    engine = create_engine_for(demo_database_url)
    try:
        with engine.connect() as connection:
            logged = connection.scalars(
                select(Interaction.summary).where(Interaction.account_id == account_id)
            ).all()
    finally:
        engine.dispose()
    assert SUMMARY in logged

    admin = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    try:
        admin_page = admin.new_page()
        admin_page.goto(app_server)
        idle(admin_page)
        login(admin_page, "admin")
        admin_page.goto(f"{app_server}/settings")
        idle(admin_page)
        admin_page.get_by_role("button", name="Recompute now").click()
        idle(admin_page)
        expect(admin_page.get_by_text("Health recomputed")).to_be_visible()
    finally:
        admin.close()
    assert _engagement(demo_database_url, account_id) == 100.0 != before

    page.reload()
    idle(page)
    expect(page.locator("h1", has_text=name)).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어").click()
    idle(page)
    expect(page.get_by_role("heading", name="이 점수의 이유")).to_be_visible()
    screenshot(page, "account-after-call-ko")
    page.goto(f"{app_server}/?lang=ko")
    idle(page)
    expect(page.locator("h1", has_text="고객사")).to_be_visible()
    screenshot(page, "accounts-ko")
    rerun(page, page.get_by_role("tab", name="위험").click)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, "at-risk-ko")
    assert page_errors == []
