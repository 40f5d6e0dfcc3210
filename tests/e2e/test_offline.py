"""Nothing is fetched from outside: every request of every page goes to the app's own origin
(a font host or CDN would fail offline and learn of each visit) (issue 15, item 9)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.navigation import open_page

pytestmark = pytest.mark.e2e

PAGES = [
    ("Insights", "Support"),
    ("Insights", "Feedback"),
    ("Insights", "Retention"),
    ("Insights", "Team"),
    ("Insights", "Targets"),
    ("Admin", "Audit"),
    ("Admin", "Users"),
]


def block_other_origins(page: Page, origin: str) -> list[str]:
    """Abort every request not to ``origin``; returns the list of what was blocked."""
    blocked: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(origin) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.context.route("**/*", handle)
    return blocked


def test_no_page_requests_anything_from_another_origin(app_server, page, idle, login):
    blocked = block_other_origins(page, app_server)
    page.goto(app_server)
    idle(page)
    login(page, "admin")
    expect(page.locator("h1", has_text="Overview")).to_be_visible()
    idle(page)

    for section, title in PAGES:
        open_page(page, section, title)
        expect(page.locator("h1").first).to_be_visible()
        idle(page)

    assert blocked == []
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert icon.startswith("data:image/svg+xml"), "the app's own icon, inlined"
