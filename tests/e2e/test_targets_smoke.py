"""Smoke journey: the Targets page renders in a real browser for a manager, in English and
in Korean, with the demo targets' progress and the forms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_targets_in_english_then_korean(app_server, page, page_errors, idle, login, screenshot):
    page.goto(app_server)
    idle(page)
    login(page, "manager")
    page.goto(f"{app_server}/targets")  # the login cookie keeps the session
    idle(page)
    for title, tab, language in (("Targets", "New target", "en"), ("목표", "새 목표", "ko")):
        if language == "ko":
            page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어").click()
            idle(page)
        expect(page.locator("h1", has_text=title)).to_be_visible()
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        expect(page.get_by_role("tab", name=tab)).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        screenshot(page, f"targets-{language}")
    assert page_errors == []
