"""The Retention page through the real entrypoint (AppTest on app.py), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data.db import get_engine, transaction
from cs_data.models import Account, Subscription
from tests.apptest import add_user, log_in, new_app, shown_cards
from tests.databases import migrate

PAGE = "pages/retention.py"


def add_book() -> None:
    """Over the last 30 days: Alpha keeps $1,000, Beta ($500) churns, Gamma ($300) is new."""
    migrate(get_engine())
    today = datetime.now(UTC).date()
    with transaction(get_engine()) as session:
        session.add_all(
            [
                Account(id="A1", name="Alpha", segment="smb"),
                Account(id="A2", name="Beta <b>Co</b>", segment="enterprise"),
                Account(id="A3", name="Gamma", segment="smb"),
            ]
        )
        session.flush()
        session.add_all(
            [
                Subscription(
                    id="S1", account_id="A1", start_date=today - timedelta(100), arr_cents=100_000
                ),
                Subscription(
                    id="S2",
                    account_id="A2",
                    start_date=today - timedelta(100),
                    end_date=today - timedelta(5),
                    arr_cents=50_000,
                ),
                Subscription(
                    id="S3", account_id="A3", start_date=today - timedelta(10), arr_cents=30_000
                ),
            ]
        )


def open_page(role: str = "manager", query: dict[str, str] | None = None) -> AppTest:
    add_user(f"as_{role}", role)
    at = log_in(new_app(), f"as_{role}")
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_cards_and_churned_accounts(shared_mode):
    add_book()
    at = open_page()

    assert at.title[0].value == "Retention"
    cards = shown_cards(at)
    assert cards["ARR"].value == "$1.3K"  # Alpha 1,000 + Gamma 300
    assert cards["Gross retention"].value == "66.7%"  # 1,000 of 1,500 kept
    assert cards["Net retention"].value == "66.7%"
    assert cards["Logo churn rate"].value == "50.0%"
    assert "Σ min(ending, starting ARR)" in cards["Gross retention"].help
    assert "Previous window of the same length" in cards["Logo churn rate"].help
    rows = at.dataframe[0].value
    assert list(rows["Account"]) == ["Beta <b>Co</b>"], "plain text"
    assert list(rows["Starting ARR"]) == [500.0], "dollars, a number column: it sorts"
    assert list(rows["Segment"]) == ["Enterprise"]
    assert rows["CSM"].isna().all() and at.dataframe[0].proto.placeholder == "—"
    assert any("1 account · page 1 of 1" in c.value for c in at.caption)
    assert any("Expansion: Σ increase" in c.value for c in at.caption)


def test_a_filter_narrows_the_view(shared_mode):
    add_book()
    at = open_page(query={"segment": "smb"})

    assert shown_cards(at)["Logo churn rate"].value == "0.0%"
    assert [i.value for i in at.info] == ["No account churned in this window."]
    assert at.query_params["segment"] == "smb"


def test_without_data_an_empty_state(shared_mode):
    at = open_page("viewer")
    assert [i.value for i in at.info] == [
        "No ARR in this window. Widen the period or clear a filter."
    ]
    assert not shown_cards(at)


def test_in_korean(shared_mode):
    add_book()
    at = open_page("csm", query={"lang": "ko"})
    assert at.title[0].value == "리텐션"
    assert "고객 이탈률" in shown_cards(at)
    assert list(at.dataframe[0].value.columns)[:2] == ["계정 ID", "계정"]


@pytest.mark.parametrize("role", ["admin", "exec", "viewer", "csm"])
def test_every_role_may_open_it(shared_mode, role):
    at = open_page(role)
    assert at.title[0].value == "Retention"


def test_a_changed_filter_sends_the_churned_list_back_to_page_1(shared_mode):
    migrate(get_engine())
    today = datetime.now(UTC).date()
    with transaction(get_engine()) as session:
        session.add_all(
            Account(id=f"C{n:02}", name=f"Churned {n}", segment="smb") for n in range(60)
        )
        session.flush()
        session.add_all(
            Subscription(
                id=f"S{n:02}",
                account_id=f"C{n:02}",
                start_date=today - timedelta(100),
                end_date=today - timedelta(5),
                arr_cents=100_000 + n,
            )
            for n in range(60)
        )
    at = open_page()
    at.number_input(key="retention_churned_page").set_value(2).run()
    assert any("60 accounts · page 2 of 2" in c.value for c in at.caption)

    at.selectbox(key="retention_segment").select("smb").run()

    assert not at.exception
    assert at.number_input(key="retention_churned_page").value == 1
    assert any("60 accounts · page 1 of 2" in c.value for c in at.caption)


def test_the_retention_trend_is_one_trailing_year_per_month_end(shared_mode):
    """Not one flat line with spikes of daily cohorts: a point per month end, each over the
    365 days up to it, with the cohort's accounts behind it."""
    import json

    add_book()
    at = open_page()

    import pyarrow as pa

    charts = {json.loads(c.proto.spec)["title"]["text"]: c for c in at.get("vega_lite_chart")}
    retention = charts["Gross and net revenue retention"]
    spec = json.loads(retention.proto.spec)
    assert spec["title"]["subtitle"].startswith("Each point: the 12 months up to")
    data = b"".join(d.data.data for d in retention.proto.datasets) or retention.proto.data.data
    rows = pa.ipc.open_stream(data).read_pandas()
    ends = sorted({day.date() for day in rows["period_end"]})
    assert len(ends) >= 12 and ends[-1] == datetime.now(UTC).date()
    assert set(rows["n"]) <= {0, 2}, "the cohort: Alpha and Beta, or nobody"
