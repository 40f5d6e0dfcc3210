"""Smoke journey: the Support page renders in a real browser, in English and in Korean, with
its cards, charts and tables. (Feedback: page tests in tests/test_page_feedback.py; its
browser journey showed no cards intermittently and is being investigated.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PAGES = [
    # url path, English title, Korean title, cards, charts
    ("support", "Support", "지원", 6, 6),
]


@pytest.mark.parametrize(("path", "english", "korean", "cards", "charts"), PAGES)
def test_kpi_page_in_english_then_korean(
    app_server, page, page_errors, idle, login, screenshot, path, english, korean, cards, charts
):
    page.goto(app_server)
    idle(page)
    login(page, "manager")
    page.goto(f"{app_server}/{path}?period=90d")  # the login cookie keeps the session
    idle(page)
    for title, language in ((english, "en"), (korean, "ko")):
        if language == "ko":
            page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어").click()
            idle(page)
        expect(page.locator("h1", has_text=title)).to_be_visible()
        expect(page.get_by_test_id("stMetric")).to_have_count(cards, timeout=30_000)
        expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(charts)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert "period=90d" in page.url and f"lang={language}" in page.url
        screenshot(page, f"{path}-{language}")
    assert page_errors == []
