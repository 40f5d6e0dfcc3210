"""The Import page (admins, managers): upload, preset or hand mapping, preview, report, import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from cs_data.db import get_engine, read_session, transaction
from cs_data.models import AuditEntry, ImportPreset, SurveyResponse
from tests.apptest import add_user, card_values, log_in, new_app
from tests.factories import make_account
from ui.text import literal

PAGE = "pages/import.py"
SURVEYS = Path(__file__).resolve().parent / "fixtures" / "presets" / "survey_export.csv"


def open_page(username: str, role: str, language: str = "en") -> AppTest:
    add_user(username, role)
    at = log_in(new_app(), username)
    at.session_state["language"] = language
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="import_file").set_value((name, content, "text/csv")).run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.main.button if b.label == label)


def count(model) -> int:
    with read_session(get_engine()) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def two_accounts(shared_mode):
    add_user("ann", "admin")
    with transaction(get_engine()) as session:
        make_account(session, id="ACC-1")
        make_account(session, id="ACC-2")


def test_manager_previews_validates_and_imports_with_the_rejected_row_left_out(two_accounts):
    at = upload(open_page("max", "manager"), "survey_export.csv", SURVEYS.read_bytes())

    assert at.title[0].value == "Import data"
    assert at.selectbox[1].value == "survey_responses", "the preset is guessed from the header"
    preview = at.dataframe[0].value
    assert list(preview["response_id"]) == ["R-9001", "R-9002", "R-9003"]
    assert preview["responded_at"].iloc[0] == "2025-03-02T10:00:00+01:00"
    assert "Read as cp1252." in [c.value for c in at.caption]

    button(at, "Validate").click().run()
    counts = card_values(at)
    assert counts == {
        "Rows": "3",
        "To insert": "2",
        "To update": "0",
        "Rejected": "1",
        "Skipped": "0",
    }
    rejected = at.dataframe[1].value
    assert list(rejected["Row"]) == [4]
    assert list(rejected["Finding"]) == ["Score off the survey's scale"]
    assert list(rejected["Reason"]) == ["score 11 is off the nps scale 0..10"]
    assert "Score off the survey's scale: 1" in [x.value for x in at.text]
    assert count(SurveyResponse) == 0
    assert not [b for b in at.main.button if b.label == "Import"], "rejecting is the default"

    at.radio(key="import_choice").set_value(True).run()
    button(at, "Import").click().run()

    assert not at.exception
    assert "Imported: 2 new, 0 updated, 1 rows left out." in [s.value for s in at.success]
    assert count(SurveyResponse) == 2
    with read_session(get_engine()) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert (entry.actor_name, entry.entity_id, entry.after["excluded_rows"]) == (
        "max",
        "survey_export.csv",
        [4],
    )


def test_unknown_headers_are_mapped_by_hand_with_guesses_and_saved_as_a_preset(shared_mode):
    content = b"Case Number,Opened On,Subject\r\nC-1,2025-03-01 10:00:00,Hello\r\n"
    at = upload(open_page("ann", "admin"), "cases.csv", content)
    at.selectbox[0].set_value("tickets").run()

    assert at.selectbox[1].value == "manual"
    assert at.selectbox(key="import_map_tickets_subject").value == "Subject"
    assert at.selectbox(key="import_map_tickets_ticket_id").value is None
    at.selectbox(key="import_map_tickets_ticket_id").set_value("Case Number")
    at.selectbox(key="import_map_tickets_created_at").set_value("Opened On").run()
    assert list(at.dataframe[0].value["ticket_id"]) == ["C-1"]

    at.text_input[0].set_value("our-cases")
    at.button(key="FormSubmitter:import_save_preset-Save preset").click().run()

    assert f"Saved the preset {literal('our-cases')}." in [s.value for s in at.success]
    assert count(ImportPreset) == 1


def test_korean_labels(two_accounts):
    at = upload(open_page("max", "manager", "ko"), "survey_export.csv", SURVEYS.read_bytes())

    assert at.title[0].value == "데이터 가져오기"
    assert at.selectbox[0].label == "파일 내용"
    assert at.subheader[0].value == "미리보기: 저장될 모습의 처음 몇 행"
    # (AppTest formats translated choices outside the session, in English, so a click that
    # sends them back is not driven here; the English test covers the flow.)
    assert [b.label for b in at.main.button] == ["검증"]


TICKETS_WITH_FINDINGS = (  # RavenStack's layout, so the preset is guessed (no choice to click)
    b"ticket_id,account_id,submitted_at,closed_at,first_response_time_minutes,priority\n"
    b"T-1,ACC-1,,,,low\n"
    b"T-2,ACC-1,2025-03-01,,-30,low\n"
    b"T-3,ACC-1,2025-03-01,,30,low\n"
)


def test_findings_are_shown_as_readable_text_with_row_and_column(two_accounts):
    at = upload(open_page("max", "manager"), "tickets.csv", TICKETS_WITH_FINDINGS)
    assert at.selectbox[1].value == "ravenstack_tickets"

    button(at, "Validate").click().run()

    assert not at.exception
    frame = at.dataframe[1].value
    assert list(frame.columns) == ["Row", "Column", "Finding", "Reason"]
    assert frame.iloc[0].tolist() == [
        2,
        "created_at (submitted_at)",
        "No creation time (first response time cannot be computed)",
        "The row gives no creation time.",
    ]
    assert frame.iloc[1, 2:].tolist() == [
        "First response before creation",
        "First response 2025-02-28 23:30 UTC, created 2025-03-01 00:00 UTC.",
    ]
    summary = [x.value for x in at.text]
    assert "No creation time (first response time cannot be computed): 1" in "\n".join(summary)
    shown = " ".join(map(str, frame.to_numpy().ravel())) + " ".join(summary)
    assert "finding:" not in shown, "no raw codes on the page"


def _korean_findings() -> None:
    import streamlit as st

    from cs_data.presets.mapping import findings
    from ui.import_view import problems_frame

    st.session_state["language"] = "ko"
    record = {"created_at": "2025-03-01T10:00:00Z", "resolved_at": "2025-03-01T09:00:00Z"}
    problems = findings("tickets", 7, {}, str) + findings("tickets", 8, record, str)
    st.dataframe(problems_frame(problems, with_code=True))


def test_findings_read_in_korean_and_the_download_keeps_the_code():
    at = AppTest.from_function(_korean_findings).run()

    frame = at.dataframe[0].value
    assert list(frame.columns) == ["행", "열", "발견 사항", "사유", "코드"]
    assert frame.iloc[0, 2:].tolist() == [
        "생성 시각 없음(첫 응답 시간을 계산할 수 없음)",
        "생성 시각이 없습니다.",
        "finding:no_created_at",
    ]
    assert frame.iloc[1, 3] == "해결 2025-03-01 09:00 UTC, 생성 2025-03-01 10:00 UTC."


def _korean_import_findings() -> None:
    import streamlit as st

    from cs_data.presets import Problem
    from ui.import_view import problems_frame

    st.session_state["language"] = "ko"
    reason = "unknown account_id 'ACC-9' (import accounts first)"
    value = {"value": "'ACC-9'"}
    problems = [Problem(4, "Account ID", reason, "finding:unknown_account", value)]
    st.dataframe(problems_frame(problems))


def test_findings_of_the_import_read_in_korean_too():
    frame = AppTest.from_function(_korean_import_findings).run().dataframe[0].value

    assert frame.iloc[0, 3] == "알 수 없는 account_id 'ACC-9'(계정을 먼저 가져오세요)"


@pytest.mark.parametrize("role", ["csm", "exec", "viewer"])
def test_roles_without_the_page_are_refused(shared_mode, role):
    add_user(f"as_{role}", role)
    at = log_in(new_app(), f"as_{role}")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_builtin_preset_notes_are_translated_and_the_english_ones_are_the_presets_own():
    from cs_data.presets.builtin import DEFINITIONS
    from ui.locale_en import MESSAGES as ENGLISH
    from ui.locale_ko import MESSAGES as KOREAN

    for definition in DEFINITIONS:
        for index, note in enumerate(definition.get("notes", [])):
            key = f"import.note.{definition['name']}.{index}"
            assert ENGLISH[key] == note
            assert KOREAN[key] and KOREAN[key] != note
