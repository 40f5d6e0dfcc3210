"""Smoke journey of the managers' pages: log in, open the page by its link, and see it render
in English and then in Korean, with its cards, charts and tables, the link kept.

The pages run one after another on one server, each within a minute or so of the last: that
is how Feedback once got Support's cached cards and failed (see tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Journey:
    path: str
    query: str
    """The link's query parameters besides the language, kept through the language switch."""
    titles: tuple[str, str]
    """The page title in English and in Korean."""
    cards: int
    charts: int
    tab: tuple[str, str] | None = None
    """A tab that must show, in English and in Korean."""


JOURNEYS = [
    Journey("support", "period=90d", ("Support", "지원"), cards=6, charts=6),
    Journey("feedback", "period=90d", ("Feedback", "피드백"), cards=5, charts=4),
    Journey("retention", "period=90d", ("Retention", "리텐션"), cards=5, charts=4),
    Journey("team", "period=90d", ("Team", "팀"), cards=5, charts=0),
    Journey("targets", "", ("Targets", "목표"), cards=0, charts=0, tab=("New target", "새 목표")),
]


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda journey: journey.path)
def test_a_manager_opens_the_page_link_and_reads_it_in_english_then_korean(
    app_server, page, page_errors, idle, login, screenshot, journey
):
    page.goto(app_server)
    idle(page)
    login(page, "manager")
    page.goto(f"{app_server}/{journey.path}?{journey.query}")  # the login cookie signs in
    idle(page)
    for index, language in enumerate(("en", "ko")):
        if language == "ko":
            page.get_by_test_id("stSidebar").get_by_role("radio", name="한국어").click()
            idle(page)
        expect(page.locator("h1", has_text=journey.titles[index])).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.locator(".cc-card")).to_have_count(journey.cards)
        expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(journey.charts)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        if journey.tab:
            expect(page.get_by_role("tab", name=journey.tab[index])).to_be_visible()
        assert f"/{journey.path}?" in page.url
        assert journey.query in page.url and f"lang={language}" in page.url
        screenshot(page, f"{journey.path}-{language}")
    assert page_errors == []
