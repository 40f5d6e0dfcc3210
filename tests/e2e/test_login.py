"""Login journeys in a real browser: form, roles and their pages, refusals, logout, lockout,
and the cookie that keeps a browser signed in across a reload.

Each test uses its own demo user where it changes login state in the shared database
(``csm02`` is locked out by the lockout test and by nothing else).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from cs_data.db import create_engine_for
from cs_data.models import LoginFailure
from tests.e2e.conftest import ENGLISH_FORM, KOREAN_FORM
from tests.e2e.navigation import nav_menu, open_page

pytestmark = pytest.mark.e2e

KPI_PAGES = ["Overview", "Support", "Feedback", "Retention"]
CUSTOMERS = {"Customers": ["Accounts", "Renewals"]}
CUSTOMERS_ALL = {"Customers": ["Accounts", "Renewals", "Forecast"]}
WORK = {"Work": ["Boards"]}
NAV_BY_USER = {
    "admin": {
        "Insights": [*KPI_PAGES, "Team", "Targets"],
        **CUSTOMERS_ALL,
        **WORK,
        "Admin": ["Import", "Audit", "Users", "Settings"],
    },
    "manager": {
        "Insights": [*KPI_PAGES, "Team", "Targets"],
        **CUSTOMERS_ALL,
        **WORK,
        "Admin": ["Import", "Audit"],
    },
    "csm01": {"Insights": [*KPI_PAGES, "Targets"], **CUSTOMERS, **WORK},
    "exec": {"Insights": [*KPI_PAGES, "Team", "Targets"], **CUSTOMERS_ALL, **WORK},
    "viewer": {"Insights": [*KPI_PAGES, "Targets"], **CUSTOMERS, **WORK},
}
"""Top navigation per demo user: each section's menu and its page titles."""
LANDING_BY_USER = {"exec": "Forecast", "csm01": "Accounts"}
"""Where a user lands when it is not the Overview (app.LANDING, for pages that exist)."""


def wait_for_failures(database_url: str, username: str, count: int) -> None:
    """Wait until the database holds ``count`` failed logins of ``username``: each attempt
    must have been handled before the next one is typed."""
    engine = create_engine_for(database_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as connection:
                stored = connection.execute(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.username == username)
                ).scalar_one()
            if stored == count or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        engine.dispose()
    assert stored == count, f"{stored} failed logins of {username} stored, expected {count}"


def expect_login_form(page: Page) -> None:
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.locator(".cc-card")).to_have_count(0)
    expect(page.get_by_test_id("stTopNavSection")).to_have_count(0)


def test_a_wrong_password_is_rejected(app_server, page, page_errors, idle, login, screenshot):
    page.goto(app_server)
    idle(page)
    expect_login_form(page)
    expect(page.get_by_text("cockpit-demo")).to_be_visible()
    screenshot(page, "login-en")

    login(page, "manager", "Not-the-password1", expect_success=False)

    expect(page.get_by_text("Username or password is incorrect.")).to_be_visible()
    expect_login_form(page)
    assert page_errors == []


@pytest.mark.parametrize("username", sorted(NAV_BY_USER))
def test_each_role_sees_exactly_its_pages(app_server, page, page_errors, idle, login, username):
    page.goto(app_server)
    idle(page)
    login(page, username)

    landing = LANDING_BY_USER.get(username, "Overview")
    expect(page.locator("h1", has_text=landing)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Signed in as")
    assert nav_menu(page) == NAV_BY_USER[username]
    assert page_errors == []


@pytest.mark.parametrize("path", ["users", "audit", "import"])
def test_a_forbidden_page_by_url_shows_a_refusal_not_data(
    app_server, page, page_errors, idle, login, path
):
    page.goto(app_server)
    idle(page)
    login(page, "viewer")

    page.goto(f"{app_server}/{path}")
    idle(page)

    expect(page.locator("h1", has_text="Not available")).to_be_visible()
    expect(page.get_by_text("Your role does not allow this page.")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_test_id("stForm")).to_have_count(0)
    assert page_errors == []


def test_a_page_url_without_a_login_shows_the_login_form(app_server, page, idle):
    page.goto(f"{app_server}/users")
    idle(page)

    expect_login_form(page)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)


def test_the_cookie_keeps_the_browser_signed_in_across_a_reload(
    app_server, page, page_errors, idle, login
):
    page.goto(app_server)
    idle(page)
    login(page, "manager")
    open_page(page, "Admin", "Audit")
    expect(page.locator("h1", has_text="Audit log")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/audit"))

    page.reload()
    idle(page)

    expect(page.locator("h1", has_text="Audit log")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    assert page_errors == []


def test_logout_returns_to_the_login_form_and_stays_there(
    app_server, page, page_errors, idle, login
):
    page.goto(app_server)
    idle(page)
    login(page, "exec")

    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    idle(page)
    # the login form and no data; the top menu of the signed-out user may linger until reload
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.locator(".cc-card")).to_have_count(0)

    page.reload()
    idle(page)
    expect_login_form(page)
    assert page_errors == []


def test_repeated_failures_lock_the_user_out(
    app_server, demo_database_url, page, page_errors, idle, login
):
    page.goto(app_server)
    idle(page)
    for attempt in range(1, 5):
        login(page, "csm02", "Wrong-password-1", expect_success=False)
        wait_for_failures(demo_database_url, "csm02", attempt)
        expect(page.get_by_text("Username or password is incorrect.")).to_be_visible()

    login(page, "csm02", "Wrong-password-1", expect_success=False)
    wait_for_failures(demo_database_url, "csm02", 5)
    locked = page.get_by_text(
        re.compile(r"Too many failed logins for this user\. Try again in 1[45]")
    )
    expect(locked).to_be_visible()

    login(page, "csm02", expect_success=False)  # the right password: still locked out
    expect(locked).to_be_visible()
    expect_login_form(page)
    assert page_errors == []


def test_korean_login_page(app_server, page, idle, screenshot):
    page.goto(f"{app_server}/?lang=ko")
    idle(page)

    expect(page.get_by_role("button", name=KOREAN_FORM[2])).to_be_visible()
    expect(page.get_by_text("데모 모드")).to_be_visible()
    screenshot(page, "login-ko")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_admin_pages_screenshots(app_server, page, page_errors, idle, login, screenshot, language):
    page.goto(f"{app_server}/?lang={language}")
    idle(page)
    login(
        page,
        "admin",
        labels=KOREAN_FORM if language == "ko" else ENGLISH_FORM,
    )

    for path, title in (
        ("users", {"en": "Users", "ko": "사용자"}),
        ("audit", {"en": "Audit log", "ko": "감사 로그"}),
    ):
        page.goto(f"{app_server}/{path}?lang={language}")
        idle(page)
        expect(page.locator("h1", has_text=title[language])).to_be_visible()
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        screenshot(page, f"{path}-{language}")
    assert page_errors == []
