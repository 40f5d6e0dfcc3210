"""The app's pages, their sections and where each role lands (app.py's navigation; the server
and the benchmarks read them too)."""

from __future__ import annotations

from typing import NamedTuple


class NavPage(NamedTuple):
    """One page: ``pages/<name>.py``, titled ``nav.<name>``, at URL ``/<name>``, opened with the
    permission ``page.<name>``."""

    section: str
    name: str
    icon: str


PAGES = (
    NavPage("insights", "overview", ":material/dashboard:"),
    NavPage("insights", "support", ":material/support_agent:"),
    NavPage("insights", "feedback", ":material/reviews:"),
    NavPage("insights", "retention", ":material/autorenew:"),
    NavPage("insights", "team", ":material/groups:"),
    NavPage("insights", "targets", ":material/flag:"),
    NavPage("customers", "accounts", ":material/apartment:"),
    NavPage("customers", "renewals", ":material/event_repeat:"),
    NavPage("customers", "forecast", ":material/trending_up:"),
    NavPage("work", "boards", ":material/view_kanban:"),
    NavPage("admin", "import", ":material/upload_file:"),
    NavPage("admin", "audit", ":material/history:"),
    NavPage("admin", "users", ":material/group:"),
    NavPage("admin", "settings", ":material/tune:"),
)
SECTIONS = ("insights", "customers", "work", "admin")
"""Navigation sections in menu order; a section with no page open to the role is left out."""
LANDING = {"csm": "accounts", "exec": "forecast"}
"""Where a role lands (its daily work) when that page is open to it; otherwise the Overview."""
