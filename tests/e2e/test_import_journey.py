"""The Import journey: a manager uploads the public support-tickets file, keeps its preset,
sees the preview and the data-quality findings, imports the valid rows and sees the Support
page's open backlog grow; the Import page is also read in Korean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.e2e

PUBLIC_TICKETS = next(
    (
        folder / "shared" / "data" / "tickets" / "customer_support_tickets.csv"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared" / "data" / "tickets").is_dir()
    ),
    Path("customer_support_tickets.csv"),
)


def backlog(page: Page, server: str, idle) -> str:
    page.goto(f"{server}/support?period=90d")
    idle(page)
    card = page.locator(".cc-card").filter(has_text="Open backlog")
    return card.locator(".cc-value").inner_text()


def count(page: Page, name: str) -> Locator:
    """The value of the import report's count ``name`` (a card of its grid)."""
    card = page.locator(".cc-card").filter(
        has=page.locator(".cc-label", has_text=re.compile(f"^{re.escape(name)}$"))
    )
    return card.locator(".cc-value")


def upload(page: Page, idle) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(PUBLIC_TICKETS))
    idle(page)


def test_a_manager_imports_the_support_tickets_file_and_the_backlog_grows(
    fresh_server, page, page_errors, idle, login, screenshot
):
    if not PUBLIC_TICKETS.is_file():
        pytest.skip(f"public dataset not present at {PUBLIC_TICKETS}")
    page.goto(fresh_server)
    idle(page)
    login(page, "manager")
    before = backlog(page, fresh_server, idle)

    page.goto(f"{fresh_server}/import")
    idle(page)
    upload(page, idle)
    expect(page.get_by_role("combobox", name="Preset")).to_have_value(
        "Customer Support Ticket Dataset (public dataset)"
    )
    expect(page.get_by_text("Preview: the first rows as they will be stored")).to_be_visible()
    screenshot(page, "import-preview-en")

    page.get_by_role("button", name="Validate").click()
    idle(page)
    expect(count(page, "Rejected")).to_have_text("4,184")
    expect(
        page.get_by_text("No creation time (first response time cannot be computed): 2,819")
    ).to_be_visible()
    screenshot(page, "import-report-en")

    page.get_by_text("Import the other rows, leaving the rejected ones out").click()
    idle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    idle(page)
    expect(page.get_by_text("Imported: 4,285 new, 0 updated, 4,184 rows left out.")).to_be_visible()

    assert backlog(page, fresh_server, idle) != before

    page.goto(f"{fresh_server}/import?lang=ko")
    idle(page)
    upload(page, idle)
    expect(page.locator("h1", has_text="데이터 가져오기")).to_be_visible()
    page.get_by_role("button", name="검증").click()
    idle(page)
    expect(page.get_by_role("heading", name="검증 보고서")).to_be_visible()
    expect(count(page, "거부")).to_have_text("4,184")
    screenshot(page, "import-report-ko")

    page.get_by_role("combobox", name="프리셋").click()
    page.get_by_role("option", name="열을 직접 연결").click()
    idle(page)
    expect(page.get_by_role("combobox", name="ticket_id *")).to_have_value("Ticket ID")
    screenshot(page, "import-mapping-ko")
    assert page_errors == []
