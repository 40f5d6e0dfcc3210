"""Support and feedback drill-downs (cs_data.kpi.support_detail, feedback_detail, choices) on
hand-made data, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from cs_data.config import get_settings
from cs_data.db import transaction
from cs_data.kpi import KpiFilter, compute_kpis, series_frame
from cs_data.kpi.choices import filter_choices
from cs_data.kpi.feedback_detail import (
    NPS_GROUPS,
    detractors,
    group_counts,
    latest_comments,
    score_distribution,
)
from cs_data.kpi.support_detail import (
    breached_tickets,
    sla_by_priority,
    volume_by_channel,
    weekday_hour,
)
from tests.factories import make_account, make_survey, make_ticket, make_user

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """The default SLA targets, whatever the environment says."""
    for name in ("CS_SLA_FIRST_RESPONSE_MINUTES", "CS_SLA_RESOLUTION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def tickets(engine):
    """March 2025 tickets. First response targets: urgent 60, high 240, normal 480, low 1440;
    resolution: urgent 480, high 1440, normal 4320, low 7200 minutes."""
    with transaction(engine) as session:
        agent = make_user(session, username="agent", display_name="Agent Kim")
        smb = make_account(session, id="SMB", name="Small Co", segment="smb")
        ent = make_account(session, id="ENT", name="Big Co", segment="enterprise")
        rows = [
            # id, account, priority, channel, created, frt, resolution (minutes)
            ("T1", smb, "urgent", "chat", "2025-03-03 09:15", 30, 300),  # Monday 09h: met, met
            ("T2", smb, "high", "email", "2025-03-04 10:00", 300, 1000),  # frt breached
            ("T3", ent, None, "email", "2025-03-09 23:59", 480, 5000),  # Sunday; res breached
            ("T4", ent, "low", None, "2025-03-20 08:00", None, None),  # never answered
            ("T5", None, "urgent", "web", "2025-03-31 23:30", None, None),  # inside targets
            ("T6", smb, "high", "chat", "2025-04-01 00:00", 999, None),  # after the window
        ]
        for ticket_id, account, priority, channel, created, frt, resolution in rows:
            start = at(created)
            make_ticket(
                session,
                id=ticket_id,
                subject=f"subject {ticket_id}",
                account_id=account.id if account else None,
                priority=priority,
                channel=channel,
                assignee_id=agent.id if ticket_id == "T2" else None,
                created_at=start,
                first_response_at=start + timedelta(minutes=frt) if frt else None,
                resolved_at=start + timedelta(minutes=resolution) if resolution else None,
            )
    return engine


def test_sla_by_priority_matches_the_engine(tickets):
    frame = sla_by_priority(tickets, *MARCH).set_index("priority")

    assert list(frame.index) == ["low", "normal", "high", "urgent"]
    assert frame.loc["urgent", ["frt_met", "frt_breached"]].tolist() == [1, 0], "T5 not counted"
    assert frame.loc["high", ["frt_met", "frt_breached", "resolution_met"]].tolist() == [0, 1, 1]
    assert frame.loc["normal", ["frt_met", "resolution_breached"]].tolist() == [1, 1]
    assert frame.loc["low", ["frt_breached", "resolution_breached"]].tolist() == [1, 1]
    assert frame.loc["high", "frt_compliance"] == 0.0
    engine_values = compute_kpis(tickets, start=MARCH[0], end=MARCH[1])
    met = frame["frt_met"].sum()
    assert met / (met + frame["frt_breached"].sum()) == engine_values["sla_frt_compliance"]


def test_sla_by_priority_without_tickets_is_undefined(tickets):
    frame = sla_by_priority(tickets, date(2024, 1, 1), date(2024, 1, 31))
    assert frame["frt_compliance"].isna().all()
    assert frame["frt_met"].sum() == 0


def test_volume_by_channel_and_filters(tickets):
    frame = volume_by_channel(tickets, *MARCH)
    assert list(frame.itertuples(index=False, name=None)) == [
        ("email", 2),
        ("chat", 1),
        ("web", 1),
        (None, 1),
    ]
    smb = volume_by_channel(tickets, *MARCH, filters=KpiFilter(segment="smb"))
    assert list(smb.itertuples(index=False, name=None)) == [("chat", 1), ("email", 1)]


def test_weekday_hour_counts_every_cell_in_utc(tickets):
    frame = weekday_hour(tickets, *MARCH)
    assert len(frame) == 7 * 24
    cells = {(r.weekday, r.hour): r.tickets for r in frame.itertuples() if r.tickets}
    # Mon 3rd 09h, Tue 4th 10h, Sun 9th 23h, Thu 20th 08h, Mon 31st 23h
    assert cells == {(0, 9): 1, (1, 10): 1, (6, 23): 1, (3, 8): 1, (0, 23): 1}
    assert weekday_hour(tickets, *MARCH, time_zone="UTC").equals(frame), "UTC is the default"


def local_cells(engine, moments: list[str], start: date, end: date, zone: str) -> dict:
    """The non-empty heat map cells in ``zone`` of tickets created at ``moments`` (UTC)."""
    with transaction(engine) as session:
        for moment in moments:
            make_ticket(session, created_at=at(moment))
    frame = weekday_hour(engine, start, end, time_zone=zone)
    assert len(frame) == 7 * 24
    return {(r.weekday, r.hour): r.tickets for r in frame.itertuples() if r.tickets}


def test_weekday_hour_in_new_york_across_both_dst_changes(engine):
    # Clocks go 02:00 EST -> 03:00 EDT at 07:00Z on Sun 9 March 2025,
    # and 02:00 EDT -> 01:00 EST at 06:00Z on Sun 2 November 2025.
    cells = local_cells(
        engine,
        [
            "2025-03-08 04:30",  # EST (-5): Fri 7th 23:30
            "2025-03-09 06:59:59.999999",  # EST: Sun 01:59:59
            "2025-03-09 07:00",  # EDT (-4): Sun 03:00, 02:00 never happened
            "2025-03-09 07:45",  # EDT: Sun 03:45
            "2025-11-02 05:30",  # EDT: Sun 01:30, the first time
            "2025-11-02 06:30",  # EST: Sun 01:30 again
            "2025-11-02 07:00",  # EST: Sun 02:00
        ],
        date(2025, 3, 1),
        date(2025, 11, 30),
        "America/New_York",
    )
    assert cells == {(4, 23): 1, (6, 1): 3, (6, 3): 2, (6, 2): 1}


def test_weekday_hour_in_a_zone_half_an_hour_off_utc(engine):
    # Asia/Kolkata is UTC+05:30 all year: local hours start at hh:30Z.
    cells = local_cells(
        engine,
        [
            "2025-03-03 18:29:59.999999",  # Mon 23:59:59
            "2025-03-03 18:30",  # Tue 00:00
            "2025-03-03 18:44:59",  # Tue 00:14:59
            "2025-03-04 03:45",  # Tue 09:15
            "2025-03-04 04:29",  # Tue 09:59
            "2025-03-04 04:30",  # Tue 10:00
            "2025-03-31 18:29",  # Mon 31st 23:59, last day of the UTC window
            "2025-03-31 18:30",  # Tue 1 April 00:00, still in the UTC window
            "2025-04-01 00:00",  # outside the window
        ],
        *MARCH,
        "Asia/Kolkata",
    )
    assert cells == {(0, 23): 2, (1, 0): 3, (1, 9): 2, (1, 10): 1}


def test_weekday_hour_in_utc_is_exact_to_the_microsecond(engine):
    # SQLite's date functions round to the millisecond: 09:59:59.9999 must stay in hour 9.
    cells = local_cells(
        engine,
        ["2025-03-03 09:59:59.999900", "2025-03-03 10:00", "2025-03-01 00:00"],
        *MARCH,
        "UTC",
    )
    assert cells == {(0, 9): 1, (0, 10): 1, (5, 0): 1}


def test_weekday_hour_places_a_clock_change_inside_a_quarter_hour_ticket_by_ticket(engine):
    # St. John's went from -03:30 to -02:30 at 00:01 local on Sun 13 March 2011 (03:31Z), in
    # the middle of the quarter hour from 03:30Z.
    cells = local_cells(
        engine,
        ["2011-03-13 03:30:30", "2011-03-13 03:40", "2011-03-13 03:45"],
        date(2011, 3, 1),
        date(2011, 3, 31),
        "America/St_Johns",
    )
    # 00:00:30 NST; 01:10 NDT; 01:15 NDT
    assert cells == {(6, 0): 1, (6, 1): 2}


def test_breached_tickets_newest_first_paged(tickets):
    first = breached_tickets(tickets, *MARCH, page_size=2)
    assert (first.total, first.pages, first.page) == (3, 2, 1)
    assert [row.id for row in first.rows] == ["T4", "T3"]
    t4, t3 = first.rows
    assert (t4.account_name, t4.priority, t4.frt_minutes, t4.channel) == (
        "Big Co",
        "low",
        None,
        None,
    )
    assert (t4.frt_breached, t4.resolution_breached) == (True, True)
    assert (t3.priority, t3.frt_breached, t3.resolution_breached) == ("normal", False, True)
    assert t3.resolution_minutes == 5000

    second = breached_tickets(tickets, *MARCH, page=9, page_size=2)
    assert second.page == 2
    (t2,) = second.rows
    assert (t2.id, t2.assignee, t2.frt_minutes, t2.subject) == (
        "T2",
        "Agent Kim",
        300,
        "subject T2",
    )
    assert (t2.frt_breached, t2.resolution_breached) == (True, False)

    high = breached_tickets(tickets, *MARCH, filters=KpiFilter(priority="high"))
    assert [row.id for row in high.rows] == ["T2"]


def test_breached_tickets_judged_at_as_of(tickets):
    early = breached_tickets(tickets, *MARCH, as_of=at("2025-03-20 12:00"))
    assert [row.id for row in early.rows] == ["T3", "T2"], "T4 still inside its targets"


@pytest.fixture
def surveys(engine):
    with transaction(engine) as session:
        csm = make_user(session, username="cara", display_name="Cara")
        acme = make_account(session, id="ACME", name="Acme", segment="smb", csm_id=csm.id)
        other = make_account(session, id="OTH", name="Other", segment="enterprise")
        rows = [
            # id, account, type, score, day, comment
            ("S1", acme, "nps", 0, "2025-03-02", "Terrible 100% of the time"),
            ("S2", acme, "nps", 6, "2025-03-05", None),
            ("S3", other, "nps", 7, "2025-03-06", "fine"),
            ("S4", other, "nps", 9, "2025-03-07", "Great support"),
            ("S5", acme, "nps", 10, "2025-03-08", ""),
            ("S6", acme, "csat", 2, "2025-03-09", "slow SUPPORT"),
            ("S7", other, "csat", 5, "2025-03-10", "응답이 빨라요"),
            ("S8", acme, "nps", 3, "2025-04-02", "after the window"),
        ]
        for rid, account, kind, score, day, comment in rows:
            make_survey(
                session,
                id=rid,
                account_id=account.id,
                survey_type=kind,
                score=score,
                responded_at=at(f"{day} 12:00"),
                comment=comment,
            )
    return engine


def test_score_distribution_lists_the_whole_scale(surveys):
    nps = score_distribution(surveys, "nps", *MARCH)
    assert list(nps["score"]) == list(range(11))
    assert dict(zip(nps["score"], nps["responses"], strict=True))[0] == 1
    assert group_counts(nps, NPS_GROUPS) == {"detractor": 2, "passive": 1, "promoter": 2}
    csat = score_distribution(surveys, "csat", *MARCH, filters=KpiFilter(segment="smb"))
    assert list(csat["responses"]) == [0, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="unknown survey type"):
        score_distribution(surveys, "xyz", *MARCH)


def test_latest_comments_search_and_filters(surveys):
    page = latest_comments(surveys, *MARCH)
    assert [r.id for r in page.rows] == ["S7", "S6", "S4", "S3", "S1"], "no empty comments"
    assert page.rows[1].csm == "Cara" and page.rows[1].account_name == "Acme"

    found = latest_comments(surveys, *MARCH, search="support")
    assert [r.id for r in found.rows] == ["S6", "S4"], "case-insensitive"
    assert [r.id for r in latest_comments(surveys, *MARCH, search="100%").rows] == ["S1"]
    assert latest_comments(surveys, *MARCH, search="1_0").total == 0, "wildcards are literal"
    assert [r.id for r in latest_comments(surveys, *MARCH, search="빨라").rows] == ["S7"]

    nps_low = latest_comments(surveys, *MARCH, survey_type="nps", min_score=0, max_score=7)
    assert [r.id for r in nps_low.rows] == ["S3", "S1"]
    second = latest_comments(surveys, *MARCH, page=2, page_size=2)
    assert ([r.id for r in second.rows], second.pages) == (["S4", "S3"], 3)


def test_detractors_to_follow_up(surveys):
    page = detractors(surveys, *MARCH)
    assert [(r.id, r.score, r.account_name, r.csm) for r in page.rows] == [
        ("S2", 6, "Acme", "Cara"),
        ("S1", 0, "Acme", "Cara"),
    ]
    assert page.rows[0].responded_at == at("2025-03-05 12:00")
    assert detractors(surveys, *MARCH, filters=KpiFilter(segment="enterprise")).total == 0


def test_filter_choices(surveys, tickets):
    choices = filter_choices(tickets)
    assert choices.segments == ["enterprise", "smb"]
    assert choices.channels == ["chat", "email", "web"]
    assert [name for _, name in choices.csms] == ["Agent Kim", "Cara"]


FRT_TARGETS = {"urgent": 60, "high": 240, "normal": 480, "low": 1440}
RESOLUTION_TARGETS = {"urgent": 480, "high": 1440, "normal": 4320, "low": 7200}


@pytest.fixture
def random_tickets(engine):
    """200 tickets over March 2025 and the days around it, a fifth of them sharing their
    creation second with another and some created and resolved at midnight, with random
    priorities (some null), channels, response and resolution times (some missing, some past
    their targets)."""
    rng = random.Random(18)
    made = []
    with transaction(engine) as session:
        for number in range(200):
            created = at("2025-02-26 00:00") + timedelta(seconds=rng.randrange(36 * 86400))
            if made and rng.random() < 0.2:
                created = rng.choice(made)["created"]
            frt = rng.choice([None, rng.randrange(1, 3000)])
            resolution = None if rng.random() < 0.3 else (frt or 0) + rng.randrange(1, 9000)
            if rng.random() < 0.1:  # on the edges of days: created and resolved at midnight
                created = created.replace(hour=0, minute=0, second=0)
                resolution = 1440 * rng.randrange(1, 4)
            ticket = {
                "id": f"R{number:03d}",
                "priority": rng.choice([None, "low", "normal", "high", "urgent"]),
                "channel": rng.choice([None, "chat", "email", "web"]),
                "created": created,
                "frt": frt,
                "resolution": resolution,
            }
            made.append(ticket)
            make_ticket(
                session,
                id=ticket["id"],
                priority=ticket["priority"],
                channel=ticket["channel"],
                created_at=created,
                first_response_at=None if frt is None else created + timedelta(minutes=frt),
                resolved_at=None if resolution is None else created + timedelta(minutes=resolution),
            )
    return engine, made


def outcomes(ticket: dict, as_of: datetime) -> dict[str, bool]:
    """Met and breached of both targets, straight from KPI_DEFINITIONS.md."""
    priority = ticket["priority"] or "normal"
    waited = (as_of - ticket["created"]) / timedelta(minutes=1)
    judged = {}
    for name, targets in (("frt", FRT_TARGETS), ("resolution", RESOLUTION_TARGETS)):
        target, took = targets[priority], ticket[name]
        judged[f"{name}_met"] = took is not None and took <= target
        judged[f"{name}_breached"] = (took is not None and took > target) or (
            took is None and waited > target
        )
    return judged


def test_support_drilldowns_agree_with_the_definitions_on_random_tickets(random_tickets):
    engine, made = random_tickets
    as_of = at("2025-03-29 13:07")
    inside = [t for t in made if at("2025-03-01 00:00") <= t["created"] < at("2025-04-01 00:00")]
    judged = {t["id"]: outcomes(t, as_of) for t in inside}

    frame = sla_by_priority(engine, *MARCH, as_of=as_of).set_index("priority")
    for priority in ("low", "normal", "high", "urgent"):
        mine = [judged[t["id"]] for t in inside if (t["priority"] or "normal") == priority]
        for column in ("frt_met", "frt_breached", "resolution_met", "resolution_breached"):
            assert frame.loc[priority, column] == sum(j[column] for j in mine), (priority, column)

    breached = [
        t
        for t in inside
        if judged[t["id"]]["frt_breached"] or judged[t["id"]]["resolution_breached"]
    ]
    newest_first = sorted(breached, key=lambda t: (t["created"], t["id"]), reverse=True)
    first = breached_tickets(engine, *MARCH, as_of=as_of, page_size=7)
    paged = [
        row
        for page in range(1, first.pages + 1)
        for row in breached_tickets(engine, *MARCH, as_of=as_of, page=page, page_size=7).rows
    ]
    assert first.total == len(breached)
    assert [row.id for row in paged] == [t["id"] for t in newest_first]
    assert [(row.frt_breached, row.resolution_breached) for row in paged] == [
        (judged[t["id"]]["frt_breached"], judged[t["id"]]["resolution_breached"])
        for t in newest_first
    ]

    for zone in ("UTC", "Asia/Kolkata"):
        expected = Counter(
            (
                t["created"].astimezone(ZoneInfo(zone)).weekday(),
                t["created"].astimezone(ZoneInfo(zone)).hour,
            )
            for t in inside
        )
        cells = weekday_hour(engine, *MARCH, time_zone=zone)
        assert {(r.weekday, r.hour): r.tickets for r in cells.itertuples() if r.tickets} == expected


@pytest.mark.parametrize("grain", ["day", "week"])
def test_ticket_series_agree_with_numpy_on_random_tickets(random_tickets, grain):
    engine, made = random_tickets
    as_of = at("2025-03-29 13:07")
    keys = ["tickets_created", "frt_median_min", "frt_p90_min", "resolution_median_min"]
    frame = series_frame(engine, keys, start=MARCH[0], end=MARCH[1], grain=grain, as_of=as_of)
    for period in frame.itertuples():
        lower = period.period_start.to_pydatetime().replace(tzinfo=UTC)
        upper = period.period_end.to_pydatetime().replace(tzinfo=UTC) + timedelta(days=1)
        created = [t for t in made if lower <= t["created"] < upper]
        responded = [t["frt"] for t in created if t["frt"] is not None]
        resolved = [
            t["resolution"]
            for t in made
            if t["resolution"] is not None
            and lower <= t["created"] + timedelta(minutes=t["resolution"]) < upper
        ]
        assert period.tickets_created == len(created)
        assert period.frt_median_min_n == len(responded)
        assert period.resolution_median_min_n == len(resolved)
        if responded:
            assert period.frt_median_min == pytest.approx(np.percentile(responded, 50))
            assert period.frt_p90_min == pytest.approx(np.percentile(responded, 90))
        else:
            assert np.isnan(period.frt_median_min)
        if resolved:
            assert period.resolution_median_min == pytest.approx(np.percentile(resolved, 50))
        else:
            assert np.isnan(period.resolution_median_min)
