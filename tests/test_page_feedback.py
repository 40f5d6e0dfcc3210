"""The Feedback page through the real entrypoint (AppTest on app.py), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import data_versions, health
from cs_data.db import get_engine, transaction
from cs_data.models import Account, SurveyResponse, User
from tests.apptest import add_user, card_values, log_in, new_app, shown_cards
from tests.databases import migrate, recorded_statements
from ui import prefetch

PAGE = "pages/feedback.py"


def add_responses(now: datetime) -> None:
    """Survey responses of the last days; the expected figures are in the tests."""
    migrate(get_engine())
    with transaction(get_engine()) as session:
        cara = User(username="cara", display_name="Cara Csm", role="csm")
        session.add(cara)
        session.flush()
        session.add_all(
            [
                Account(id="A1", name="Alpha", segment="smb", csm_id=cara.id),
                Account(id="A2", name="Beta", segment="enterprise"),
            ]
        )
        session.flush()
        rows = [
            ("R1", "A1", "nps", 2, 1, "[click](http://evil.example) too slow"),
            ("R2", "A2", "nps", 10, 2, "Great team"),
            ("R3", "A2", "nps", 8, 3, None),
            ("R4", "A1", "csat", 5, 1, "quick fix, thanks"),
            ("R5", "A2", "csat", 2, 4, "SLOW response"),
        ]
        session.add_all(
            SurveyResponse(
                id=rid,
                account_id=account,
                survey_type=kind,
                score=score,
                responded_at=now - timedelta(days=days),
                comment=comment,
            )
            for rid, account, kind, score, days, comment in rows
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


def test_cards_detractors_and_comments(shared_mode):
    add_responses(datetime.now(UTC))
    at = open_page()

    assert at.title[0].value == "Feedback"
    cards = card_values(at)
    assert (cards["CSAT"], cards["NPS"], cards["NPS responses"]) == ("50.0%", "0", "3")
    assert "4 or 5" in shown_cards(at)["CSAT"].help
    assert any("1 promoters, 1 passives, 1 detractors" in c.value for c in at.caption)
    detractors, comments = (frame.value for frame in at.dataframe)
    assert list(detractors["Account"]) == ["Alpha"]
    assert list(detractors["CSM"]) == ["Cara Csm"]
    assert list(detractors["Comment"]) == ["[click](http://evil.example) too slow"], "plain text"
    assert list(comments["Comment"]) == [
        "quick fix, thanks",
        "[click](http://evil.example) too slow",
        "Great team",
        "SLOW response",
    ]


def test_search_and_filters_narrow_the_comments(shared_mode):
    add_responses(datetime.now(UTC))
    at = open_page()
    at.text_input(key="feedback_search").input("slow").run()
    assert list(at.dataframe[1].value["Comment"]) == [
        "[click](http://evil.example) too slow",
        "SLOW response",
    ]
    at.selectbox(key="feedback_type").select("csat").run()
    assert list(at.dataframe[1].value["Comment"]) == ["SLOW response"]
    at.slider(key="feedback_scores").set_value((3, 10)).run()
    assert [i.value for i in at.info] == ["No comments match."]


def test_a_segment_link(shared_mode):
    add_responses(datetime.now(UTC))
    at = open_page(query={"segment": "enterprise"})
    assert card_values(at)["NPS responses"] == "2"
    assert [i.value for i in at.info] == ["No detractors in this window."]
    assert not any(s.key == "feedback_priority" for s in at.selectbox), "no ticket filters here"


def test_without_data_an_empty_state(shared_mode):
    at = open_page("viewer")
    assert [i.value for i in at.info] == [
        "No CSAT or NPS responses in this window. Widen the period or clear a filter."
    ]
    assert not shown_cards(at)


def test_in_korean(shared_mode):
    add_responses(datetime.now(UTC))
    at = open_page("manager", query={"lang": "ko"})
    assert at.title[0].value == "피드백"
    assert "NPS 응답 수" in card_values(at)


@pytest.mark.parametrize("role", ["admin", "csm", "viewer"])
def test_every_role_may_open_it(shared_mode, role):
    at = open_page(role)
    assert at.title[0].value == "Feedback"


def add_detractors(now: datetime, count: int) -> None:
    """``count`` NPS detractors with a comment each, in the last days, newest first by number."""
    migrate(get_engine())
    with transaction(get_engine()) as session:
        session.add(Account(id="A1", name="Alpha", segment="smb"))
        session.flush()
        session.add_all(
            SurveyResponse(
                id=f"D{n:03}",
                account_id="A1",
                survey_type="nps",
                score=3,
                responded_at=now - timedelta(days=2, minutes=n),
                comment=f"Comment {n}",
            )
            for n in range(count)
        )


def test_a_changed_filter_sends_each_list_back_to_page_1(shared_mode):
    add_detractors(datetime.now(UTC), 30)
    at = open_page()
    pages = ("feedback_detractors_page", "feedback_comments_page")

    def shown() -> list[int]:
        return [at.number_input(key=key).value for key in pages]

    for key in pages:
        at.number_input(key=key).set_value(2)
    at.run()
    assert shown() == [2, 2]

    at.button_group(key="feedback_period").set_value("90d").run()
    assert not at.exception
    assert shown() == [1, 1], "the window changed: both lists start again"
    assert [frame.value["Comment"].iloc[0] for frame in at.dataframe] == ["Comment 0"] * 2

    for key in pages:
        at.number_input(key=key).set_value(2)
    at.run()
    at.text_input(key="feedback_search").input("comment").run()
    assert shown() == [2, 1], "the search narrows the comments only"
    at.number_input(key="feedback_comments_page").set_value(2).run()
    at.selectbox(key="feedback_type").select("nps").run()
    assert shown() == [2, 1]


def trend_specs(at: AppTest) -> dict[str, dict]:
    import json

    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    return {spec["title"]["text"]: spec for spec in specs if "layer" in spec}


def test_a_few_responses_give_a_monthly_trend_with_counts_and_faded_points(shared_mode):
    """Three NPS responses in 30 days: not a daily line that jumps between −100 and +100."""
    add_responses(datetime.now(UTC))
    at = open_page()

    nps = trend_specs(at)["NPS"]
    assert nps["title"]["subtitle"] == ["Per month", "Faded points: NPS responses under 20"]
    points = nps["layer"][1]
    assert points["encoding"]["opacity"]["condition"][0]["test"] == "(datum.n < 20)"
    tooltips = {tip["title"]: tip["field"] for tip in points["encoding"]["tooltip"]}
    assert tooltips["NPS responses"] == "n"
    assert nps["layer"][0]["encoding"]["x"]["axis"]["format"] == "%b %Y", "months with a year"


def test_the_first_change_of_the_period_finds_its_figures_computed_in_the_background(
    shared_mode, monkeypatch
):
    monkeypatch.setattr(data_versions, "AS_OF_BUCKET", timedelta(days=1))
    now = datetime.now(UTC)
    add_responses(now)
    with transaction(get_engine()) as session:
        session.add(
            SurveyResponse(
                id="R6",
                account_id="A2",
                survey_type="nps",
                score=0,
                responded_at=now - timedelta(days=60),
                comment="Old news",
            )
        )
    health.ensure_snapshots(get_engine())  # no write in the background moves the version
    at = open_page()
    assert card_values(at)["NPS responses"] == "3"
    assert prefetch.wait_idle(60), "the other periods are loaded once the page is drawn"
    with recorded_statements(get_engine()) as statements:
        at.button_group(key="feedback_period").set_value("90d").run()

    assert not at.exception
    assert not [s for s in statements if "FROM survey_responses" in s], "read before"
    assert card_values(at)["NPS responses"] == "4"
    detractors, comments = (frame.value for frame in at.dataframe)
    assert "Old news" in list(detractors["Comment"]) and "Old news" in list(comments["Comment"])
