"""The Targets page (AppTest on app.py): progress table, create, edit conflicts, delete, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import targets
from cs_data.auth import operator
from cs_data.db import get_engine, transaction
from cs_data.models import Account, SurveyResponse
from tests.apptest import add_user, log_in, new_app
from tests.databases import migrate
from ui.text import literal

TARGETS_PAGE = "pages/targets.py"


def open_page(username: str, role: str) -> AppTest:
    add_user(username, role)
    return show(username)


def show(username: str) -> AppTest:
    at = log_in(new_app(), username)
    at.run()
    at.switch_page(TARGETS_PAGE).run()
    assert not at.exception
    return at


def add_target(**fields) -> targets.Target:
    migrate(get_engine())
    today = datetime.now(UTC).date()
    values = {
        "kpi": "csat",
        "name": "CSAT 80%",
        "target_value": 0.8,
        "direction": "at_least",
        "segment": None,
        "start_date": today - timedelta(days=10),
        "deadline": today + timedelta(days=20),
    }
    return targets.create_target(get_engine(), operator(), **values | fields)


def button(at: AppTest, label: str):
    return next(b for b in at.main.button if b.label == label)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_an_empty_list_says_so(shared_mode):
    at = open_page("vic", "viewer")
    assert at.title[0].value == "Targets"
    assert "No targets yet." in [i.value for i in at.info]


def test_a_viewer_sees_progress_but_no_forms(shared_mode):
    add_target()
    with transaction(get_engine()) as session:
        session.add(Account(id="A1", name="Alpha"))
        session.add_all(
            SurveyResponse(
                id=f"C{n}",
                survey_type="csat",
                score=score,
                account_id="A1",
                responded_at=datetime.now(UTC) - timedelta(days=1),
            )
            for n, score in enumerate((5, 5, 5, 1))
        )
    add_user("vic", "viewer")
    at = show("vic")

    assert not at.tabs and not at.main.button and not at.number_input
    row = at.dataframe[0].value.iloc[0]
    assert (row["Target"], row["KPI"], row["Now"], row["Goal"]) == (
        "CSAT 80%",
        "CSAT",
        "75.0%",
        "≥ 80.0%",
    )
    assert (row["Status"], row["Progress"], row["Days left"]) == ("Behind", 0.75 / 0.8 * 100, 20)


def test_a_manager_creates_a_target_in_percent(shared_mode):
    at = open_page("max", "manager")
    at.text_input(key="new_name").input("First response SLA 95%")
    at.selectbox(key="new_kpi").set_value("sla_frt_compliance").run()
    assert at.number_input(key="new_value").label == "Goal (%)"
    at.number_input(key="new_value").set_value(95.0)
    button(at, "Create target").click().run()

    assert not at.exception
    notice = f"Target “{literal('First response SLA 95%')}” created."
    assert notice in [s.value for s in at.success]
    (made,) = targets.list_targets(get_engine())
    assert (made.kpi, made.target_value, made.direction) == ("sla_frt_compliance", 0.95, "at_least")
    assert at.dataframe[0].value.iloc[0]["Goal"] == "≥ 95.0%"


def test_a_pasted_over_long_name_is_kept_and_named_with_limit_and_length(shared_mode):
    at = open_page("max", "manager")
    assert at.text_input(key="new_name").help == "At most 200 characters."
    at.text_input(key="new_name").input("x" * 5000)
    at.number_input(key="new_value").set_value(80.0)
    button(at, "Create target").click().run()

    assert not at.exception
    assert errors(at) == ["Use at most 200 characters; this has 5,000."]
    assert at.text_input(key="new_name").value == "x" * 5000
    assert targets.list_targets(get_engine()) == []


def test_errors_show_next_to_their_fields_and_keep_the_input(shared_mode):
    at = open_page("max", "manager")
    at.text_input(key="new_name").input("Too much")
    at.number_input(key="new_value").set_value(120.0)
    at.date_input(key="new_deadline").set_value(datetime.now(UTC).date() - timedelta(days=1))
    button(at, "Create target").click().run()

    assert not at.exception
    assert errors(at) == [
        "This KPI cannot take this value (see the allowed values).",
        "The deadline must be after the start date.",
    ]
    assert at.text_input(key="new_name").value == "Too much"
    assert targets.list_targets(get_engine(), include_past=True) == []


def test_a_target_wholly_in_the_past_is_saved_with_a_warning_and_stays_in_view(shared_mode):
    at = open_page("max", "manager")
    today = datetime.now(UTC).date()
    at.text_input(key="new_name").input("Last quarter")
    at.number_input(key="new_value").set_value(80.0)
    at.date_input(key="new_start").set_value(today - timedelta(days=90))
    at.date_input(key="new_deadline").set_value(today - timedelta(days=1))
    button(at, "Create target").click().run()

    assert not at.exception
    assert not at.success
    assert [w.value for w in at.warning] == [
        "Target “Last quarter” created. Its deadline has passed, so it is not among the active "
        "targets: the list now includes past targets."
    ]
    assert at.toggle(key="targets_include_past").value is True
    assert list(at.dataframe[0].value["Target"]) == ["Last quarter"]


def test_a_stale_edit_shows_their_version_and_keeps_mine(shared_mode):
    made = add_target()
    at = open_page("max", "manager")
    at.text_input(key="edit_name").input("Mine")
    targets.update_target(
        get_engine(),
        operator(),
        made.id,
        seen_version=made.version,
        **{k: getattr(made, k) for k in ("kpi", "target_value", "direction", "segment")},
        name="Theirs",
        start_date=made.start_date,
        deadline=made.deadline,
    )
    button(at, "Save changes").click().run()

    assert not at.exception
    assert at.text_input(key="edit_name").value == "Mine"
    assert "Theirs" in at.dataframe[-1].value["Target"].tolist()
    assert targets.list_targets(get_engine())[0].name == "Theirs"

    button(at, "Save mine over theirs").click().run()

    assert not at.exception
    saved = targets.list_targets(get_engine())[0]
    assert (saved.name, saved.version) == ("Mine", 3)


def test_delete_needs_the_confirmation(shared_mode):
    add_target()
    at = open_page("ann", "admin")
    button(at, "Delete target").click().run()
    assert errors(at) == ["Tick the box to confirm."]
    assert targets.list_targets(get_engine())

    at.checkbox(key="delete_confirm").check()
    button(at, "Delete target").click().run()

    assert not at.exception
    assert targets.list_targets(get_engine()) == []
    assert "No targets yet." in [i.value for i in at.info]


@pytest.mark.parametrize("role", ["csm", "exec"])
def test_other_roles_may_look_but_not_write(shared_mode, role):
    add_target()
    at = open_page("someone", role)
    assert len(at.dataframe[0].value) == 1
    assert not at.tabs


def test_choices_survive_a_language_switch(shared_mode):
    at = open_page("max", "manager")
    at.selectbox(key="new_segment").set_value("enterprise")
    at.radio(key="new_direction").set_value("at_most").run()

    at.sidebar.segmented_control[0].set_value("ko").run()

    assert not at.exception
    segment, direction = at.selectbox(key="new_segment"), at.radio(key="new_direction")
    assert (segment.value, direction.value) == ("enterprise", "at_most")
    # The browser, which knows a choice only by its label, is sent the Korean labels.
    assert (segment.proto.set_value, segment.proto.raw_value) == (True, "대기업")
    assert (direction.proto.set_value, direction.proto.raw_value) == (True, "목표값 이하")


def test_deleting_the_target_being_edited_leaves_the_others_editable(shared_mode):
    first = add_target(name="First")
    add_target(name="Second")
    at = open_page("ann", "admin")
    assert at.selectbox(key="edit_id").value == first.id
    at.checkbox(key="delete_confirm").check()
    button(at, "Delete target").click().run()

    assert not at.exception
    assert at.text_input(key="edit_name").value == "Second"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_table_shows_statuses_and_long_names_whole_at_1440_px(shared_mode, language):
    """Statuses were cut off ("No data y…"): the status column is wide enough for the longest
    one, and rows are tall enough for long target and KPI names to wrap."""
    import json

    from ui.i18n import CATALOGS
    from ui.tables import WRAPPED_ROW_HEIGHT
    from ui.targets import TABLE_WIDTHS

    add_target()
    add_user("vic", "viewer")
    at = show("vic")
    if language != "en":
        at.sidebar.segmented_control[0].set_value(language).run()

    table = at.dataframe[0].proto
    assert table.row_height == WRAPPED_ROW_HEIGHT > 64, "Streamlit wraps text above 4 rem"
    columns = json.loads(table.columns)
    catalog = CATALOGS[language]
    status = columns[catalog["targets.col_status"]]
    longest = max(
        len(catalog[f"targets.status.{s}"]) for s in ("met", "behind", "no_data", "not_started")
    )
    pixels_per_character = 7 if language == "en" else 13  # 14 px text; Hangul is full width
    assert status["width"] >= longest * pixels_per_character + 12
    assert sum(TABLE_WIDTHS.values()) <= 980, "the table fits the page at 1440 px"
