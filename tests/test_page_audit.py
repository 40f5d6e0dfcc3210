"""The Audit page (admins, managers), and the login gate's navigation by role (AppTest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cs_data import audit, security
from cs_data.auth import Actor, operator
from cs_data.db import get_engine, transaction
from cs_data.errors import PermissionDenied
from cs_data.models import AuditEntry
from tests.apptest import ROOT, add_user, log_in, new_app

AUDIT_PAGE = "pages/audit.py"


def entry(days_ago: int, **values) -> AuditEntry:
    defaults = {"actor_name": "ann", "action": "user.set_role", "entity_type": "user"}
    occurred = datetime.now(UTC) - timedelta(days=days_ago)
    return AuditEntry(occurred_at=occurred, **(defaults | values))


@pytest.fixture
def manager_app(shared_mode) -> AppTest:
    add_user("ann", "admin")
    add_user("max", "manager")
    with transaction(get_engine()) as session:
        session.add_all(
            [
                entry(1, entity_id="bob", before={"role": "csm"}, after={"role": "exec"}),
                entry(
                    1,
                    action="target.update",
                    entity_type="kpi_target",
                    entity_id="7",
                    before={"name": "CSAT", "target_value": 0.8, "deadline": "2026-12-31"},
                    after={"name": "CSAT", "target_value": 0.9, "deadline": "2027-01-31"},
                ),
                entry(2, actor_name="max", action="renewal.move", entity_type="renewal"),
                entry(3, after={"note": "<script>alert(1)</script>"}),
                entry(
                    4,
                    action="demo_generate",
                    entity_type="database",
                    after={"scale": "S", "counts": {"accounts": 1, "tickets": 20}},
                ),
                entry(90, action="old.thing"),
                *(entry(5, action="bulk", entity_id=str(n)) for n in range(60)),
            ]
        )
    at = log_in(new_app(), "max")
    at.run()
    at.switch_page(AUDIT_PAGE).run()
    assert not at.exception
    return at


def table(at: AppTest):
    return at.dataframe[0].value


def test_newest_first_each_change_as_field_before_and_after(manager_app):
    rows = table(manager_app)
    assert manager_app.title[0].value == "Audit log"
    assert len(rows) == 50, "one page of 50"
    assert list(rows["action"])[:2] == ["User created", "User created"]
    by_record = rows.set_index("entity_id")
    assert (by_record.loc["bob", "actor"], by_record.loc["bob", "action"]) == (
        "ann",
        "Role changed",
    )
    assert by_record.loc["bob", "entity"] == "User"
    assert by_record.loc["bob", "changes"] == "Role: CSM → Executive"
    assert by_record.loc["7", "changes"] == (
        "Goal: 0.8 → 0.9; Deadline: Dec 31, 2026 → Jan 31, 2027"
    ), "unchanged fields left out"
    assert by_record.loc["7", "entity"] == "KPI target"
    seeded = rows[rows["action"] == "Demo data generated"]
    assert list(seeded["changes"]) == ["Scale: — → S; Records: — → 1 account, 20 tickets"]
    assert by_record.loc["7", "link"] == "targets?lang=en"
    assert pd.isna(by_record.loc["bob", "link"]), "managers cannot open the Users page"
    assert by_record.loc["max", "changes"] == (
        "Username: — → max; Display name: — → Max; Role: — → Manager; Active: — → yes; "
        "Password: — → set"
    ), "a created record: every field it was given"
    captions = [c.value for c in manager_app.caption]
    assert any(c.startswith("67 entries · page 1 of 2") for c in captions), captions
    shown = manager_app.dataframe[0].proto
    assert shown.row_height > 64, "rows tall enough for the changes to wrap (issue 15, item 7)"
    assert shown.placeholder == "—", "a record without a page shows a dash, not None"


def test_one_entry_in_detail_with_its_raw_values(manager_app):
    at = manager_app
    bob = next(row for row in table(at).itertuples() if row.entity_id == "bob")
    detail = at.selectbox(key="audit_detail")
    entry_id = next(option for option in detail.options if option.endswith("Role changed"))
    detail.select(entry_id).run()

    assert not at.exception
    assert bob.changes == "Role: CSM → Executive"
    fields = at.dataframe[1].value
    assert fields.to_dict("records") == [{"Field": "Role", "Before": "CSM", "After": "Executive"}]
    assert [element.value for element in at.json] == ['{"role": "csm"}', '{"role": "exec"}']


def test_actions_records_and_fields_read_in_korean(manager_app):
    at = manager_app
    at.session_state["language"] = "ko"
    at.run()

    rows = table(at).set_index("entity_id")
    assert rows.loc["bob", "action"] == "역할 변경"
    assert rows.loc["bob", "entity"] == "사용자"
    assert rows.loc["bob", "changes"] == "역할: CSM → 임원"
    assert rows.loc["7", "link"] == "targets?lang=ko"


def test_filters_narrow_the_entries_in_sql(manager_app):
    at = manager_app
    at.selectbox(key="audit_actor").select("max").run()

    rows = table(at)
    assert list(rows["action"]) == ["renewal.move"], "an action without a name shows its code"

    at.selectbox(key="audit_actor").select(None)
    at.selectbox(key="audit_entity").select("user").run()
    assert "renewal.move" not in set(table(at)["action"])
    assert "old.thing" not in set(table(at)["action"]), "older than the default 30 days"

    at.selectbox(key="audit_action").select("old.thing").run()
    assert [i.value for i in at.info] == ["No entries match these filters."]


def test_the_second_page(manager_app):
    at = manager_app
    at.number_input(key="audit_page").set_value(2).run()

    assert len(table(at)) == 17
    assert any("page 2 of 2" in c.value for c in at.caption)


def test_markup_in_values_is_shown_as_text(manager_app):
    at = manager_app
    at.selectbox(key="audit_action").select("user.set_role").run()
    assert "note: — → <script>alert(1)</script>" in list(table(at)["changes"])


def test_changes_are_the_fields_that_differ_in_recorded_order():
    change = audit.Change
    assert audit.changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [
        change("b", 2, 3),
        change("c", None, 4),
    ]
    assert audit.changes(None, {"x": 1, "y": None}) == [change("x", None, 1)]
    assert audit.changes({"x": 1}, None) == [change("x", 1, None)]
    assert audit.changes(None, None) == []


def test_list_entries_pages_and_filters_by_day(engine):
    with transaction(engine) as session:
        session.add_all([entry(0, entity_id=str(n)) for n in range(5)] + [entry(10)])
    today = datetime.now(UTC).date()

    page = audit.list_entries(
        engine, operator(), audit.AuditFilter(start=today, end=today), page=2, page_size=2
    )

    assert (page.total, page.pages, page.page, len(page.rows)) == (5, 3, 2, 2)
    assert [row.entity_id for row in page.rows] == ["2", "1"]
    last = audit.list_entries(engine, operator(), page=99, page_size=2)
    assert (last.page, len(last.rows)) == (3, 2)


# --- the gate and navigation by role -------------------------------------------------------

PAGES_BY_ROLE = {
    "admin": ["Overview", "Audit", "Users"],
    "manager": ["Overview", "Audit"],
    "csm": ["Overview"],
    "exec": ["Overview"],
    "viewer": ["Overview"],
}


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_each_role_may_open_exactly_its_pages(shared_mode, role):
    add_user("ann", "admin")
    add_user(f"as_{role}", role)
    at = log_in(new_app(), f"as_{role}")
    at.run()
    assert not at.exception

    for page, path in (("Audit", AUDIT_PAGE), ("Users", "pages/users.py")):
        if page in PAGES_BY_ROLE[role]:
            at.switch_page(path).run()
            assert at.title[0].value in ("Audit log", "Users")
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)


def test_a_page_file_refuses_a_visitor_who_is_not_logged_in(shared_mode):
    add_user("ann", "admin")
    at = AppTest.from_file(str(ROOT / AUDIT_PAGE), default_timeout=60)
    at.run()

    assert [t.value for t in at.title] == ["Not available"]
    assert not at.dataframe


def test_without_a_login_only_the_form_shows(shared_mode):
    add_user("ann", "admin")
    at = new_app()
    at.run()

    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.title and not at.metric
    assert not any("Demo mode" in m.value for m in at.markdown), "not in shared mode"


def test_shared_mode_refuses_to_start_without_a_cookie_key(configured_db, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CS_COOKIE_KEY", raising=False)
    add_user("ann", "admin")
    at = new_app()
    at.run()

    assert [t.value for t in at.title] == ["CS Cockpit cannot start yet"]
    text = " ".join(m.value for m in at.markdown)
    assert "CS_COOKIE_KEY" in text and "secrets.token_urlsafe(48)" in text
    assert not at.text_input, "no login form until it is configured"
    assert security.EXAMPLE_COOKIE_KEY not in text


def test_an_actor_without_permission_gets_no_audit_data(engine):
    with pytest.raises(PermissionDenied, match="may not read the audit log"):
        audit.list_entries(engine, Actor(name="vic", user_id=None, role="viewer"))


def test_a_changed_filter_goes_back_to_page_1(manager_app):
    at = manager_app
    at.number_input(key="audit_page").set_value(2).run()
    at.selectbox(key="audit_actor").select("ann").run()

    assert not at.exception
    assert at.number_input(key="audit_page").value == 1
    assert any("page 1 of 2" in c.value for c in at.caption)


def _audited_names() -> tuple[set[str], set[str]]:
    """Every action and record type cs_data writes to the audit log (keyword arguments of the
    audit calls, and the board and card actions its helpers take positionally)."""
    import ast
    import re
    from pathlib import Path

    from cs_data.auth import PERMISSIONS

    actions: set[str] = set()
    types: set[str] = set()
    root = Path(__file__).resolve().parents[1] / "cs_data"
    for path in root.rglob("*.py"):
        if path.name == "cli.py":  # argparse's action= is not the audit's
            continue
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant):
                if node.arg == "action" and isinstance(node.value.value, str):
                    actions.add(node.value.value)
                elif node.arg == "entity_type" and isinstance(node.value.value, str):
                    types.add(node.value.value)
        if path.parent.name == "boards":  # less the board permissions their checks name
            found = re.findall(r'"((?:board|card)\.[a-z_.]+)"', source)
            actions.update(set(found) - set(PERMISSIONS))
    return actions, types


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_audited_action_and_record_type_has_a_name(language):
    from ui.locale_en import MESSAGES as ENGLISH
    from ui.locale_ko import MESSAGES as KOREAN

    catalog = {"en": ENGLISH, "ko": KOREAN}[language]
    actions, types = _audited_names()
    assert {"card.move", "renewal.update"} <= actions, "the scan finds the new domains"
    assert sorted(a for a in actions if f"audit.action.{a}" not in catalog) == []
    assert sorted(r for r in types if f"audit.record.{r}" not in catalog) == []
