"""Smoke journey: the Overview renders in a real browser, in English and in Korean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cs_data import kpi
from tests.e2e.conftest import KOREAN_FORM

pytestmark = pytest.mark.e2e

OVERVIEW_METRICS = 4 + len(kpi.CARD_KEYS)
"""Four customer cards (accounts, ARR, renewals due, ARR at risk) and the KPI cards."""


def expect_overview(page, *, title: str, first_metric: str) -> None:
    expect(page.locator("h1", has_text=title)).to_be_visible()
    expect(page.locator(".cc-card")).to_have_count(OVERVIEW_METRICS)
    expect(page.locator(".cc-label").first).to_contain_text(first_metric)
    expect(page.locator(".cc-value").first).to_have_text(re.compile(r"^\d[\d,]*$"))
    expect(page.locator(".cc-spark").first).to_be_visible()
    expect(page.get_by_test_id("stTable")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").locator("svg, canvas").first).to_be_visible()
    expect(page.get_by_test_id("stProgress").first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_overview_shows_metrics_and_chart_in_english_then_korean(
    app_server, page, page_errors, idle, login, screenshot
):
    page.goto(app_server)
    idle(page)
    login(page, "viewer")

    expect_overview(page, title="Overview", first_metric="Accounts")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Database: SQLite")
    help_icon = page.locator(".cc-help").first
    expect(help_icon).to_have_attribute("aria-label", re.compile("^Number of customer accounts"))
    help_icon.focus()  # the help shows on keyboard focus, as on hover
    shown = help_icon.evaluate("icon => getComputedStyle(icon, '::after').display")
    assert shown == "block"
    help_icon.blur()
    screenshot(page, "overview-en")

    korean = page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어")
    korean.click()
    expect(page.locator("h1", has_text="개요")).to_be_visible()
    idle(page)

    expect_overview(page, title="개요", first_metric="고객 계정")
    expect(korean).to_have_attribute("aria-checked", "true")
    expect(page).to_have_url(re.compile(r"[?&]lang=ko"))
    screenshot(page, "overview-ko")
    assert page_errors == []


def test_a_korean_link_opens_in_korean(app_server, page, page_errors, idle, login):
    page.goto(f"{app_server}/?lang=ko")
    idle(page)
    login(page, "viewer", labels=KOREAN_FORM)

    expect_overview(page, title="개요", first_metric="고객 계정")
    assert page_errors == []


def test_a_deep_link_on_a_fresh_server_goes_through_the_entrypoint(
    fresh_server, page, page_errors, idle, login
):
    page.goto(f"{fresh_server}/overview?lang=ko")
    idle(page)
    login(page, "exec", labels=KOREAN_FORM)

    expect_overview(page, title="개요", first_metric="고객 계정")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("radio", name="한국어")).to_have_attribute("aria-checked", "true")
    expect(page).to_have_url(re.compile(r"[?&]lang=ko"))
    assert page_errors == []
