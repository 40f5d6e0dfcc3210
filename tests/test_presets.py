"""Import presets: every preset on a fixture in its vendor's header layout, encodings and
delimiters, Excel workbooks, data-quality findings, saved presets and permissions."""

from __future__ import annotations

import ast
import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from cs_data import importers, presets
from cs_data.auth import Actor
from cs_data.db import read_session, transaction
from cs_data.errors import InvalidInput, NotFound, PermissionDenied
from cs_data.models import (
    Account,
    AuditEntry,
    Renewal,
    RenewalChange,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
)
from cs_data.presets import BUILTIN, PROBLEM_CODES, check_file, import_with_preset, preview
from cs_data.presets.reading import detect_encoding
from tests.factories import make_account, make_user

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "presets"
SHARED_DATA = next(
    (
        folder / "shared" / "data"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared" / "data").is_dir()
    ),
    Path("shared/data"),
)
"""The public datasets, kept beside the repository (``shared/data``) in any parent folder."""
OPERATOR = Actor(name="operator:test", user_id=None, role="admin")


def accounts(engine: Engine, *ids: str) -> None:
    with transaction(engine) as session:
        for account_id in ids:
            make_account(session, id=account_id)


def stored(engine: Engine, model, key):
    with read_session(engine) as session:
        return session.get(model, key)


def count(engine: Engine, model) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run(engine: Engine, preset: str, fixture: str, **options) -> presets.Report:
    return import_with_preset(engine, OPERATOR, FIXTURES / fixture, BUILTIN[preset], **options)


# --- one test per vendor preset ------------------------------------------------------------


def test_zendesk_tickets_export(engine):
    accounts(engine, "Acme Corp", "Globex")

    report = run(engine, "zendesk_tickets", "zendesk_tickets.csv")

    assert report.committed and (report.to_insert, report.rejected_rows) == (3, [])
    solved = stored(engine, Ticket, "10231")
    assert solved.created_at == utc(2025, 3, 3, 9, 15)
    assert solved.first_response_at == utc(2025, 3, 3, 9, 57)  # 42 minutes after creation
    assert solved.resolved_at == utc(2025, 3, 3, 13, 45)
    assert (solved.priority, solved.channel, solved.status) == ("high", "email", "solved")
    assert (solved.account_id, solved.tags) == ("Acme Corp", "login;sso")
    assert stored(engine, User, solved.assignee_id).username == "jane.doe"
    quoted = stored(engine, Ticket, "10232")
    assert quoted.subject == 'Invoice shows wrong VAT, "urgent"'
    assert (quoted.priority, quoted.channel, quoted.first_response_at) == ("urgent", "web", None)
    held = stored(engine, Ticket, "10233")
    assert (held.subject, held.status, held.channel) == ("Export stuck\nat 99%", "on_hold", "chat")


def test_freshdesk_tickets_export_with_bom_and_durations_in_hours(engine):
    accounts(engine, "Initech")

    report = run(engine, "freshdesk_tickets", "freshdesk_tickets.csv")

    assert report.source_format.encoding == "utf-8-sig"
    assert report.committed and report.to_insert == 2
    resolved = stored(engine, Ticket, "4501")
    assert resolved.first_response_at == utc(2025, 2, 10, 9, 0)  # 0.5 hours
    assert (resolved.priority, resolved.status, resolved.tags) == (
        "normal",
        "solved",
        "reports;export",
    )
    assert stored(engine, User, resolved.assignee_id).username == "lena.gross"
    waiting = stored(engine, Ticket, "4502")
    assert (waiting.status, waiting.priority, waiting.channel) == ("pending", "urgent", "web")
    assert waiting.first_response_at == utc(2025, 2, 11, 22, 25)


def test_intercom_conversations_in_the_zone_their_headers_name_and_a_reply_before_the_start(
    engine,
):
    accounts(engine, "acme-corp", "globex")

    refused = run(engine, "intercom_conversations", "intercom_conversations.csv")
    assert not refused.committed and count(engine, Ticket) == 0
    assert [(p.row, p.code) for p in refused.problems] == [(4, "finding:response_before_created")]
    assert refused.problems[0].column == (
        "first_response_at (Conversation first replied at (America/New_York))"
    )

    report = run(
        engine, "intercom_conversations", "intercom_conversations.csv", exclude_rejected=True
    )

    assert report.committed and (report.to_insert, report.rejected_rows) == (2, [4])
    chat = stored(engine, Ticket, "215468901234567")  # 10:00 in New York (EST) is 15:00 UTC
    assert (chat.created_at, chat.first_response_at) == (
        utc(2025, 1, 20, 15, 0),
        utc(2025, 1, 20, 15, 4, 30),
    )
    assert chat.resolved_at == utc(2025, 1, 20, 16, 30)
    assert (chat.status, chat.channel, chat.tags) == ("closed", "chat", "sso;onboarding")
    assert (chat.subject, stored(engine, User, chat.assignee_id).username) == (
        "SSO setup question",
        "jane.doe",
    )
    assert stored(engine, Ticket, "215468901234569") is None


def test_salesforce_accounts_and_renewal_opportunities(engine):
    accounts_report = run(engine, "salesforce_accounts", "salesforce_accounts.csv")
    report = run(engine, "salesforce_renewals", "salesforce_opportunities.csv")

    assert accounts_report.committed and accounts_report.to_insert == 2
    acme = stored(engine, Account, "0015g00000AbCdEAAV")
    assert (acme.name, acme.region, acme.created_at) == (
        "Acme Corp",
        "United States",
        utc(2022, 3, 14),
    )
    assert stored(engine, User, acme.csm_id).username == "jane.doe"
    assert report.committed and (report.to_insert, report.skipped) == (2, 1)  # New Business
    open_renewal = stored(engine, Renewal, "0065g00000XyZ01AAB")
    assert (open_renewal.stage, open_renewal.forecast_category) == ("negotiation", "commit")
    assert open_renewal.probability == pytest.approx(0.8)
    assert (open_renewal.current_arr_cents, open_renewal.renewal_date) == (
        4_800_000,
        date(2025, 6, 30),
    )
    won = stored(engine, Renewal, "0065g00000XyZ02AAB")
    assert (won.stage, won.outcome, won.renewed_arr_cents) == ("closed_won", "won", 1_250_050)


def history_rows(engine: Engine, renewal_id: str) -> list[tuple[str, str | None]]:
    with read_session(engine) as session:
        rows = session.execute(
            select(RenewalChange.field, RenewalChange.new_value)
            .where(RenewalChange.renewal_id == renewal_id, RenewalChange.version.is_(None))
            .order_by(RenewalChange.changed_at)
        )
        return [(field, value) for field, value in rows]


def test_salesforce_opportunity_history_is_checked_without_writing_then_imported(engine, tmp_path):
    run(engine, "salesforce_accounts", "salesforce_accounts.csv")
    run(engine, "salesforce_renewals", "salesforce_opportunities.csv")
    history = BUILTIN["salesforce_opportunity_history"]
    source = FIXTURES / "salesforce_opportunity_history.csv"
    audited = count(engine, AuditEntry)

    checked = check_file(engine, OPERATOR, source, history)

    assert (checked.committed, checked.to_insert, checked.rejected_rows) == (False, 2, [])
    assert history_rows(engine, "0065g00000XyZ01AAB") == []
    assert count(engine, AuditEntry) == audited  # the dry run's audit entry is rolled back

    done = import_with_preset(engine, OPERATOR, source, history)

    assert done.committed and done.to_insert == 2
    assert history_rows(engine, "0065g00000XyZ01AAB") == [
        ("stage", "engaged"),
        ("stage", "negotiation"),
    ]
    with read_session(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.entity_type, entry.entity_id) == (
        "renewal_history",
        "salesforce_opportunity_history.csv",
    )
    assert entry.after["preset"] == "salesforce_opportunity_history"
    again = check_file(engine, OPERATOR, source, history)
    assert (again.to_insert, again.rejected_rows) == (0, [])  # already stored

    unknown = tmp_path / "history.csv"
    unknown.write_text(
        source.read_text(encoding="utf-8")
        + "0065g00000NoSuchAAB,Gone,Prospecting,Qualification,0,1/1/2025,1/2/2025 9:00 AM,X\n",
        encoding="utf-8",
    )
    refused = check_file(engine, OPERATOR, unknown, history)
    assert [(p.row, p.column) for p in refused.problems] == [(4, "renewal_id (Opportunity ID)")]
    assert refused.to_insert == 0  # the two known rows are stored already


def test_hubspot_companies_and_deals(engine):
    companies = run(engine, "hubspot_companies", "hubspot_companies.csv")
    deals = run(engine, "hubspot_deals", "hubspot_deals.csv")

    assert companies.committed and companies.to_insert == 2
    umbrella = stored(engine, Account, "9412345601")
    assert (umbrella.name, umbrella.created_at) == ("Umbrella Health", utc(2023, 5, 2, 10, 11))
    assert deals.committed and deals.to_insert == 2
    sent = stored(engine, Renewal, "18765432101")
    assert (sent.stage, sent.forecast_category, sent.probability) == (
        "verbal_commit",
        "commit",
        0.9,
    )
    lost = stored(engine, Renewal, "18765432102")
    assert (lost.stage, lost.outcome, lost.current_arr_cents) == ("closed_lost", "lost", 960_000)


def test_survey_export_in_cp1252_with_semicolons_and_a_score_off_scale(engine):
    accounts(engine, "ACC-1", "ACC-2")

    report = run(engine, "survey_responses", "survey_export.csv", exclude_rejected=True)

    assert (report.source_format.encoding, report.source_format.delimiter) == ("cp1252", ";")
    assert [(p.row, p.code) for p in report.problems] == [(4, "finding:score_off_scale")]
    assert_english_reasons_are_the_imports(report.problems)
    assert report.committed and report.to_insert == 2
    nps = stored(engine, SurveyResponse, "R-9001")
    assert (nps.survey_type, nps.score, nps.comment) == ("nps", 9, "Très bien, merci !")
    assert nps.responded_at == utc(2025, 3, 2, 9, 0)
    csat = stored(engine, SurveyResponse, "R-9002")
    assert (csat.survey_type, csat.comment) == (
        "csat",
        "Réponse lente.\nDeuxième ligne: €50 remboursés",
    )


# --- reading ---------------------------------------------------------------------------------


def test_latin1_bytes_that_cp1252_leaves_undefined_are_read_as_latin1(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("account_id,name\nA-1,Caf\xe9 \x81\n".encode("latin-1"))

    assert detect_encoding(path) == "latin-1"
    assert detect_encoding(FIXTURES / "survey_export.csv") == "cp1252"
    assert detect_encoding(FIXTURES / "zendesk_tickets.csv") == "utf-8"


def test_a_chosen_encoding_that_does_not_fit_is_a_clear_error(engine, tmp_path):
    preset = presets.preset_from_dict(BUILTIN["survey_responses"].to_dict() | {"encoding": "utf-8"})
    with pytest.raises(importers.UnreadableFile, match="not utf-8 text"):
        import_with_preset(engine, OPERATOR, FIXTURES / "survey_export.csv", preset)


def test_tab_delimited_file(engine, tmp_path):
    path = tmp_path / "accounts.tsv"
    path.write_text("account_id\tname\tcountry\nA-1\tAcme, Inc.\tUS\n", encoding="utf-8")
    preset = presets.preset_from_dict(
        {
            "name": "tsv_accounts",
            "kind": "accounts",
            "columns": {"account_id": "account_id", "name": "name", "region": "country"},
        }
    )

    report = import_with_preset(engine, OPERATOR, path, preset)

    assert report.source_format.delimiter == "\t" and report.committed
    assert stored(engine, Account, "A-1").name == "Acme, Inc."


def test_excel_workbook_named_sheet_with_date_cells(engine, tmp_path):
    workbook = Workbook()
    workbook.active.title = "Notes"
    sheet = workbook.create_sheet("Responses")
    sheet.append(["Response ID", "Survey", "Score", "Submitted at", "Comment"])
    sheet.append(["X-1", "CSAT", 5, datetime(2025, 3, 1, 8, 30), "Great"])
    sheet.append([None, None, None, None, None])
    sheet.append(["X-2", "NPS", 7.0, datetime(2025, 3, 2), None])
    path = tmp_path / "survey.xlsx"
    workbook.save(path)
    preset = presets.preset_from_dict(
        BUILTIN["survey_responses"].to_dict() | {"sheet": "Responses"}
    )

    report = import_with_preset(engine, OPERATOR, path, preset)

    assert report.source_format.encoding == "xlsx"
    assert report.committed and report.to_insert == 2
    assert stored(engine, SurveyResponse, "X-1").responded_at == utc(2025, 3, 1, 8, 30)
    assert stored(engine, SurveyResponse, "X-2").score == 7
    missing = presets.preset_from_dict(BUILTIN["survey_responses"].to_dict() | {"sheet": "Nope"})
    with pytest.raises(importers.UnreadableFile, match="has no sheet 'Nope'"):
        import_with_preset(engine, OPERATOR, path, missing)


def test_missing_source_columns_are_named_and_nothing_is_read(engine, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("Id,Subject\n1,Hello\n", encoding="utf-8")

    report = import_with_preset(engine, OPERATOR, path, BUILTIN["zendesk_tickets"])

    assert not report.committed
    assert "Created at" in report.missing_columns
    assert count(engine, Ticket) == 0


# --- findings, all or nothing, reports ---------------------------------------------------------


def test_a_file_with_rejected_rows_leaves_the_database_unchanged(engine):
    accounts(engine, "ACC-1", "ACC-2")
    audits = count(engine, AuditEntry)

    report = run(engine, "survey_responses", "survey_export.csv")

    assert not report.committed
    assert report.to_insert == 2  # what would land with the rejected row excluded
    assert count(engine, SurveyResponse) == 0
    assert count(engine, AuditEntry) == audits


def test_check_file_counts_inserts_and_updates_without_writing(engine):
    accounts(engine, "Acme Corp", "Globex")
    run(engine, "zendesk_tickets", "zendesk_tickets.csv")
    audits = count(engine, AuditEntry)

    report = check_file(
        engine, OPERATOR, FIXTURES / "zendesk_tickets.csv", BUILTIN["zendesk_tickets"]
    )

    assert (report.to_insert, report.to_update, report.committed) == (0, 3, False)
    assert count(engine, AuditEntry) == audits


def test_the_audit_entry_names_the_file_the_preset_and_the_excluded_rows(engine):
    accounts(engine, "acme-corp", "globex")

    run(engine, "intercom_conversations", "intercom_conversations.csv", exclude_rejected=True)

    with read_session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert (entry.entity_type, entry.entity_id) == ("tickets", "intercom_conversations.csv")
    assert entry.after["preset"] == "intercom_conversations"
    assert (entry.after["inserted"], entry.after["excluded_rows"]) == (2, [4])


def test_unknown_accounts_and_duplicate_ids_are_findings(engine, tmp_path):
    accounts(engine, "ACC-1")
    path = tmp_path / "survey.csv"
    path.write_text(
        "Response ID,Survey,Score,Submitted at,Account ID\n"
        "R-1,CSAT,5,2025-03-01,ACC-1\n"
        "R-1,CSAT,4,2025-03-01,ACC-1\n"
        "R-2,CSAT,4,2025-03-01,ACC-9\n",
        encoding="utf-8",
    )

    report = check_file(engine, OPERATOR, path, BUILTIN["survey_responses"])

    assert [(p.row, p.code, p.params) for p in report.problems] == [
        (3, "finding:duplicate_id", {"value": "response_id 'R-1'", "first": "2"}),
        (4, "finding:unknown_account", {"value": "'ACC-9'"}),
    ]
    assert report.problems_csv().splitlines()[0] == "row,column,reason,code"
    assert report.to_insert == 1
    assert_english_reasons_are_the_imports(report.problems)


def assert_english_reasons_are_the_imports(problems) -> None:
    """The Import page's English reason of a finding the import wrote, filled with the
    finding's values, is the import's own reason (the page translates the template)."""
    from ui.locale_en import MESSAGES as ENGLISH

    for problem in problems:
        template = ENGLISH["import.finding." + problem.code.removeprefix("finding:") + ".reason"]
        assert template.format(**problem.params) == problem.reason


def problem_codes_in_the_source() -> set[str]:
    """Every code cs_data.presets gives a ``Problem``, read from its source and the imports'
    (their findings; ``PROBLEM_CODES`` left out): each ``finding:...`` literal, each literal
    handed to ``Problem(...)`` as its code, and each literal assigned to a ``code``."""
    found: set[str] = set()
    package = Path(presets.__file__).parent
    imports = [package.parent / "importers.py", package.parent / "renewals" / "history_import.py"]
    for path in [*sorted(package.glob("*.py")), *imports]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tree.body = [
            node
            for node in tree.body
            if not (isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "PROBLEM_CODES")
        ]
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"finding:[a-z_]+", node.value):
                    found.add(node.value)
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "Problem":
                given = node.args[3:4] + [k.value for k in node.keywords if k.arg == "code"]
                found |= {
                    part.value
                    for g in given
                    for part in ast.walk(g)  # a literal, or one in ``finding or "import"``
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                }
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and any(ast.unparse(target) == "code" for target in node.targets)
            ):
                found.add(node.value.value)
    return found


def test_every_problem_code_is_described_and_every_description_has_its_code():
    """The command line's report and the Import page name each problem by its description."""
    found = problem_codes_in_the_source()
    assert {"finding:no_created_at", "mapping", "import"} <= found, "is the scan still right?"
    assert sorted(found - set(PROBLEM_CODES)) == [], "describe the new code in PROBLEM_CODES"
    assert sorted(set(PROBLEM_CODES) - found) == [], "no code gives this problem any more"
    assert all(text.strip() and text[0].isupper() for text in PROBLEM_CODES.values())


def test_preview_shows_rows_as_they_will_be_stored(engine):
    shown = preview(FIXTURES / "freshdesk_tickets.csv", BUILTIN["freshdesk_tickets"], rows=5)

    assert shown.columns[:3] == ["ticket_id", "created_at", "account_id"]
    first = dict(zip(shown.columns, shown.rows[0], strict=True))
    assert first["first_response_at"] == "2025-02-10T09:00:00Z"
    assert (first["priority"], first["assignee"]) == ("normal", "lena.gross")
    assert shown.row_numbers == [2, 3]


# --- saved presets and permissions --------------------------------------------------------


CUSTOM = {
    "name": "our-helpdesk",
    "kind": "tickets",
    "title": "Our help desk",
    "columns": {
        "ticket_id": {"from": "Case"},
        "created_at": {"from": "Opened", "format": "%d.%m.%Y %H:%M", "zone": "Europe/Berlin"},
        "resolved_at": {"from": "Hours to close", "after": "created_at", "unit": "hours"},
    },
}


def test_a_saved_mapping_is_reused_and_audited(engine, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("Case;Opened;Hours to close\nC-1;01.03.2025 10:00;2,5\n", encoding="utf-8")
    definition = CUSTOM | {
        "columns": CUSTOM["columns"]
        | {"resolved_at": CUSTOM["columns"]["resolved_at"] | {"decimal": ","}}
    }

    presets.save_preset(engine, OPERATOR, definition)
    preset = presets.get_preset(engine, OPERATOR, "our-helpdesk")
    report = import_with_preset(engine, OPERATOR, path, preset)

    assert report.committed
    case = stored(engine, Ticket, "C-1")
    assert case.created_at == utc(2025, 3, 1, 9, 0)  # 10:00 in Berlin (CET)
    assert case.resolved_at == utc(2025, 3, 1, 11, 30)
    assert [p.name for p in presets.list_presets(engine, OPERATOR, kind="tickets")][-1] == (
        "our-helpdesk"
    )
    with read_session(engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "import_preset")
        ).one()
    assert (entry.action, entry.entity_id, entry.after["title"]) == (
        "create",
        "our-helpdesk",
        "Our help desk",
    )
    presets.delete_preset(engine, OPERATOR, "our-helpdesk")
    with pytest.raises(NotFound):
        presets.get_preset(engine, OPERATOR, "our-helpdesk")


def test_an_invalid_mapping_lists_every_problem(engine):
    bad = {
        "name": "zendesk_tickets",
        "kind": "tickets",
        "columns": {
            "ticket_id": {"from": "Id", "unit": "hours"},
            "colour": {"from": "Colour"},
        },
    }
    with pytest.raises(InvalidInput) as refused:
        presets.save_preset(engine, OPERATOR, bad)
    fields = {error.field for error in refused.value.errors}
    assert {"columns.ticket_id", "columns.colour", "columns.created_at"} <= fields

    with pytest.raises(InvalidInput, match="built-in preset"):
        presets.save_preset(engine, OPERATOR, CUSTOM | {"name": "zendesk_tickets"})


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("manager", True), ("csm", False)])
def test_admins_and_managers_import_and_save_presets_csms_cannot(engine, role, allowed):
    accounts(engine, "Initech")
    with transaction(engine) as session:
        user = make_user(session, username=f"{role}1", role=role)
        actor = Actor(name=user.username, user_id=user.id, role=role)

    if allowed:
        assert run_as(engine, actor).committed
        presets.save_preset(engine, actor, CUSTOM)
    else:
        with pytest.raises(PermissionDenied):
            run_as(engine, actor)
        with pytest.raises(PermissionDenied):
            presets.save_preset(engine, actor, CUSTOM)
        assert count(engine, Ticket) == 0


def run_as(engine: Engine, actor: Actor) -> presets.Report:
    return import_with_preset(
        engine, actor, FIXTURES / "freshdesk_tickets.csv", BUILTIN["freshdesk_tickets"]
    )


# --- the public datasets ----------------------------------------------------------------------


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"public dataset not present at {path}")
    return path


def test_ravenstack_tables_import_through_their_presets(engine):
    saas = SHARED_DATA / "saas"
    results = {
        name: import_with_preset(
            engine,
            OPERATOR,
            need(saas / f"ravenstack_{file}.csv"),
            BUILTIN[name],
            exclude_rejected=True,
        )
        for name, file in (
            ("ravenstack_accounts", "accounts"),
            ("ravenstack_subscriptions", "subscriptions"),
            ("ravenstack_tickets", "support_tickets"),
            ("ravenstack_csat", "support_tickets"),
        )
    }

    landed = {name: (r.to_insert, len(r.rejected_rows), r.skipped) for name, r in results.items()}
    assert landed == {
        "ravenstack_accounts": (500, 0, 0),
        "ravenstack_subscriptions": (4987, 13, 0),
        "ravenstack_tickets": (1964, 36, 0),
        "ravenstack_csat": (1154, 21, 825),
    }
    assert results["ravenstack_tickets"].counts_by_code() == {
        "finding:resolved_before_first_response": 36
    }
    assert results["ravenstack_csat"].counts_by_code() == {"finding:unknown_ticket": 21}
    with read_session(engine) as session:
        arr = session.scalar(select(func.sum(Subscription.arr_cents)))
    assert arr % 12 == 0


def test_customer_support_tickets_import_through_their_presets(engine):
    path = need(SHARED_DATA / "tickets" / "customer_support_tickets.csv")

    tickets = import_with_preset(
        engine, OPERATOR, path, BUILTIN["customer_support_tickets"], exclude_rejected=True
    )
    csat = import_with_preset(
        engine, OPERATOR, path, BUILTIN["customer_support_csat"], exclude_rejected=True
    )

    assert (tickets.rows, tickets.to_insert) == (8469, 4285)
    assert tickets.counts_by_code() == {
        "finding:no_created_at": 2819,
        "finding:resolved_before_created": 1365,
    }
    assert (csat.to_insert, csat.skipped, csat.counts_by_code()) == (
        1404,
        5700,
        {"finding:unknown_ticket": 1365},
    )
    assert count(engine, Ticket) == 4285
    with read_session(engine) as session:
        multi_line = session.scalar(select(func.count()).where(Ticket.subject.contains("\n")))
    assert multi_line == 0  # subjects are one line; descriptions are not imported


def test_builtin_presets_round_trip_through_json():
    for preset in BUILTIN.values():
        assert presets.preset_from_dict(preset.to_dict()) == preset
    with FIXTURES.joinpath("zendesk_tickets.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    needed = {s for rule in BUILTIN["zendesk_tickets"].columns.values() for s in rule.sources}
    assert needed <= set(header)


def test_the_guessed_preset_reads_the_most_of_the_header():
    header = presets.SourceTable(FIXTURES / "zendesk_tickets.csv").header
    public = ["Ticket ID", "Ticket Subject", "Ticket Status", "Ticket Priority"]
    public += ["Ticket Channel", "First Response Time", "Time to Resolution"]
    public += ["Customer Satisfaction Rating", "Ticket Type"]

    assert presets.guess_preset(header, list(BUILTIN.values())).name == "zendesk_tickets"
    assert presets.guess_preset(public, list(BUILTIN.values())).name == "customer_support_tickets"
    assert presets.guess_preset(["Foo", "Bar"], list(BUILTIN.values())) is None
    guesses = presets.guess_columns("surveys", ["Response ID", "Survey", "Rating", "Date"])
    assert guesses["response_id"] == "Response ID"
    assert (guesses["score"], guesses["responded_at"]) == ("Rating", "Date")
