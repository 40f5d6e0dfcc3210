"""The renewal pipeline: filtered, sorted and paged in SQL, now or as of a past instant.

Every role may read every renewal (``renewal.view``); what a user may change is decided by
``commands.update_renewal``. Rows carry the flags that make a renewal need attention: an
overdue next step, due in under 30 days and not in commit, or high risk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, FromClause, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from cs_data import domain
from cs_data.auth import Actor, Owned, ensure
from cs_data.errors import NotFound
from cs_data.kpi.renewals import AT_RISK_BAND, AT_RISK_LEVEL, health_band, stage_probability
from cs_data.kpi.sql import connect
from cs_data.models import Account, Renewal, User
from cs_data.paging import Page, paginate
from cs_data.renewals.history import Change, changes_of, renewal_source, renewals_as_of
from cs_data.renewals.probabilities import get_stage_probabilities

OPEN_STAGES = domain.RENEWAL_STAGES[:6]
CLOSED_STAGE_OUTCOMES = {"closed_won": "won", "closed_lost": "lost"}
DUE_SOON_DAYS = 30
"""A renewal due in fewer days than this and not in commit needs attention."""
BOARD_CARDS_PER_STAGE = 40
MAX_CSV_ROWS = 50_000


@dataclass(frozen=True)
class RenewalFilter:
    """What the pipeline narrows to; None (or empty) means any."""

    due_from: date | None = None
    due_to: date | None = None
    stages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    health_bands: tuple[str, ...] = ()
    owner_id: int | None = None
    """The renewal's owner."""
    owner_username: str | None = None
    """The renewal's owner, by username (the command line)."""
    csm_id: int | None = None
    """The account's CSM."""
    book_of: int | None = None
    """"My book": renewals this user owns or of accounts this user is the CSM of."""
    segment: str | None = None
    region: str | None = None
    account_id: str | None = None
    open_only: bool = False
    attention_only: bool = False
    at_risk_only: bool = False
    """Open renewals with risk high or whose account's health band is red (``at_risk_arr``)."""


@dataclass(frozen=True)
class RenewalRow:
    """One renewal as the pipeline shows it (money in cents)."""

    id: str
    account_id: str
    account_name: str
    segment: str | None
    region: str | None
    csm_id: int | None
    csm_name: str | None
    renewal_date: date
    days_to_renewal: int
    current_arr_cents: int
    expected_arr_cents: int
    """The expected ARR, or the current ARR when none is set."""
    upsell_cents: int | None
    stage: str
    probability: float
    """The explicit probability, or the stage default."""
    probability_is_override: bool
    forecast_category: str
    risk: str | None
    risk_reason: str | None
    health_band: str | None
    next_step: str | None
    next_step_date: date | None
    owner_id: int | None
    owner_name: str | None
    outcome: str | None
    renewed_arr_cents: int | None
    lost_reason: str | None
    closed_at: datetime | None
    notes: str | None
    version: int
    overdue_next_step: bool
    due_soon_not_commit: bool
    high_risk: bool

    @property
    def needs_attention(self) -> bool:
        return self.overdue_next_step or self.due_soon_not_commit or self.high_risk

    @property
    def owned(self) -> Owned:
        """The renewal as a resource its account's CSM and its owner own."""
        owners = frozenset(i for i in (self.csm_id, self.owner_id) if i is not None)
        return Owned("renewal", self.id, owners)


@dataclass(frozen=True)
class PipelineTotals:
    """Sums over every renewal the filter selects."""

    renewals: int
    current_arr_cents: int
    expected_arr_cents: int
    upsell_cents: int
    needing_attention: int


@dataclass(frozen=True)
class StageColumn:
    """One open stage of the stage board: how many renewals, their ARR, the first cards."""

    stage: str
    count: int
    current_arr_cents: int
    cards: list[RenewalRow]


SORTS = (
    "account",
    "renewal_date",
    "days_to_renewal",
    "current_arr",
    "expected_arr",
    "upsell",
    "stage",
    "probability",
    "forecast_category",
    "risk",
    "next_step",
    "next_step_date",
    "owner",
)


def _day(as_of: datetime | None, today: date | None) -> date:
    if today is not None:
        return today
    return (as_of or datetime.now(UTC)).astimezone(UTC).date()


def _pipeline(
    bind: Engine | Connection,
    where: RenewalFilter | None,
    as_of: datetime | None,
    today: date | None,
) -> _Pipeline:
    chosen = where or RenewalFilter()
    source = renewal_source(as_of, due_from=chosen.due_from, due_to=chosen.due_to)
    return _Pipeline(source, _day(as_of, today), get_stage_probabilities(bind))


class _Pipeline:
    """The pipeline query's parts over one source (the table now, or a past state)."""

    def __init__(self, source: FromClause, day: date, probabilities: dict[str, float]) -> None:
        self.r = source.c
        self.day = day
        self.csm = aliased(User, name="csm_user")
        self.owner = aliased(User, name="owner_user")
        r = self.r
        self.band = health_band(r.account_id, day)
        self.expected = func.coalesce(r.expected_arr_cents, r.current_arr_cents)
        self.probability = stage_probability(r, probabilities)
        is_open = r.outcome.is_(None)
        self.overdue = and_(is_open, r.next_step_date.is_not(None), r.next_step_date < day)
        self.due_soon = and_(
            is_open,
            r.renewal_date < day + timedelta(days=DUE_SOON_DAYS),
            r.forecast_category != "commit",
        )
        self.high_risk = and_(is_open, r.risk == AT_RISK_LEVEL)
        self.source = source

    def joined(self) -> Any:
        r = self.r
        return (
            self.source.join(Account, Account.id == r.account_id)
            .outerjoin(self.csm, self.csm.id == Account.csm_id)
            .outerjoin(self.owner, self.owner.id == r.owner_id)
        )

    def conditions(self, where: RenewalFilter) -> list[ColumnElement[bool]]:
        r = self.r
        out: list[ColumnElement[bool]] = []
        if where.due_from is not None:
            out.append(r.renewal_date >= where.due_from)
        if where.due_to is not None:
            out.append(r.renewal_date <= where.due_to)
        if where.stages:
            out.append(r.stage.in_(where.stages))
        if where.categories:
            out.append(r.forecast_category.in_(where.categories))
        if where.risks:
            out.append(r.risk.in_(where.risks))
        if where.health_bands:
            out.append(self.band.in_(where.health_bands))
        if where.owner_id is not None:
            out.append(r.owner_id == where.owner_id)
        if where.owner_username is not None:
            out.append(self.owner.username == where.owner_username)
        if where.csm_id is not None:
            out.append(Account.csm_id == where.csm_id)
        if where.book_of is not None:
            out.append(or_(r.owner_id == where.book_of, Account.csm_id == where.book_of))
        if where.segment is not None:
            out.append(Account.segment == where.segment)
        if where.region is not None:
            out.append(Account.region == where.region)
        if where.account_id is not None:
            out.append(r.account_id == where.account_id)
        if where.open_only:
            out.append(r.outcome.is_(None))
        if where.at_risk_only:
            out.append(
                and_(r.outcome.is_(None), or_(r.risk == AT_RISK_LEVEL, self.band == AT_RISK_BAND))
            )
        if where.attention_only:
            out.append(or_(self.overdue, self.due_soon, self.high_risk))
        return out

    def columns(self) -> list[ColumnElement[Any]]:
        r = self.r
        return [
            r.id,
            r.account_id,
            Account.name.label("account_name"),
            Account.segment,
            Account.region,
            Account.csm_id,
            self.csm.display_name.label("csm_name"),
            r.renewal_date,
            r.current_arr_cents,
            self.expected.label("expected_arr_cents"),
            r.upsell_cents,
            r.stage,
            self.probability.label("probability"),
            r.probability.is_not(None).label("probability_is_override"),
            r.forecast_category,
            r.risk,
            r.risk_reason,
            self.band.label("health_band"),
            r.next_step,
            r.next_step_date,
            r.owner_id,
            self.owner.display_name.label("owner_name"),
            r.outcome,
            r.renewed_arr_cents,
            r.lost_reason,
            r.closed_at,
            r.notes,
            r.version,
            case((self.overdue, 1), else_=0).label("overdue_next_step"),
            case((self.due_soon, 1), else_=0).label("due_soon_not_commit"),
            case((self.high_risk, 1), else_=0).label("high_risk"),
        ]

    def order(self, sort: str, descending: bool) -> list[Any]:
        r = self.r
        stage_rank = case(
            *((r.stage == stage, index) for index, stage in enumerate(domain.RENEWAL_STAGES))
        )
        risk_rank = case(
            *((r.risk == risk, index) for index, risk in enumerate(domain.RISK_LEVELS)), else_=-1
        )
        keys = {
            "account": Account.name,
            "renewal_date": r.renewal_date,
            "days_to_renewal": r.renewal_date,
            "current_arr": r.current_arr_cents,
            "expected_arr": self.expected,
            "upsell": func.coalesce(r.upsell_cents, 0),
            "stage": stage_rank,
            "probability": self.probability,
            "forecast_category": r.forecast_category,
            "risk": risk_rank,
            "next_step": r.next_step,
            "next_step_date": r.next_step_date,
            "owner": self.owner.display_name,
        }
        if sort not in keys:
            raise ValueError(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
        key = keys[sort]
        open_first = case((r.outcome.is_(None), 0), else_=1)
        return [open_first, key.desc() if descending else key.asc(), r.renewal_date, r.id]

    def row(self, row: Any) -> RenewalRow:
        values = row._asdict()
        values["days_to_renewal"] = (values["renewal_date"] - self.day).days
        values["probability"] = float(values["probability"])
        for flag in ("probability_is_override", "overdue_next_step", "due_soon_not_commit"):
            values[flag] = bool(values[flag])
        values["high_risk"] = bool(values["high_risk"])
        values["expected_arr_cents"] = int(values["expected_arr_cents"])
        return RenewalRow(**{f.name: values[f.name] for f in fields(RenewalRow)})


def _select(pipeline: _Pipeline, where: RenewalFilter, sort: str, descending: bool) -> Any:
    return (
        select(*pipeline.columns())
        .select_from(pipeline.joined())
        .where(*pipeline.conditions(where))
        .order_by(*pipeline.order(sort, descending))
    )


def list_renewals(
    engine: Engine | Connection,
    actor: Actor,
    where: RenewalFilter | None = None,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
    sort: str = "renewal_date",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> Page[RenewalRow]:
    """One page of the renewals matching ``where``, open ones first, then by ``sort``; as
    the system knew them at ``as_of`` when given. ``today`` (default: the UTC day of
    ``as_of`` or now) is the day days-to-renewal and the attention flags count from."""
    pipeline = _pipeline(engine, where, as_of, today)
    stmt = _select(pipeline, where or RenewalFilter(), sort, descending)
    with connect(engine) as connection:
        ensure(connection, actor, "renewal.view")
        return paginate(connection, stmt, page=page, page_size=page_size, into=pipeline.row)


def pipeline_totals(
    engine: Engine | Connection,
    actor: Actor,
    where: RenewalFilter | None = None,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
) -> PipelineTotals:
    """Count and sums of every renewal ``where`` selects (not just one page)."""
    pipeline = _pipeline(engine, where, as_of, today)
    r = pipeline.r
    stmt = (
        select(
            func.count(),
            func.coalesce(func.sum(r.current_arr_cents), 0),
            func.coalesce(func.sum(pipeline.expected), 0),
            func.coalesce(func.sum(r.upsell_cents), 0),
            func.coalesce(
                func.sum(
                    case((or_(pipeline.overdue, pipeline.due_soon, pipeline.high_risk), 1), else_=0)
                ),
                0,
            ),
        )
        .select_from(pipeline.joined())
        .where(*pipeline.conditions(where or RenewalFilter()))
    )
    with connect(engine) as connection:
        ensure(connection, actor, "renewal.view")
        count, current, expected, upsell, attention = connection.execute(stmt).one()
    return PipelineTotals(int(count), int(current), int(expected), int(upsell), int(attention))


def stage_board(
    engine: Engine | Connection,
    actor: Actor,
    where: RenewalFilter | None = None,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
    cards_per_stage: int = BOARD_CARDS_PER_STAGE,
) -> list[StageColumn]:
    """A column per open stage: count and Σ current ARR of the selected open renewals in it,
    and its first ``cards_per_stage`` cards by renewal date."""
    pipeline = _pipeline(engine, where, as_of, today)
    r = pipeline.r
    conditions = pipeline.conditions(where or RenewalFilter())
    conditions.append(r.stage.in_(OPEN_STAGES))
    sums = (
        select(r.stage, func.count(), func.coalesce(func.sum(r.current_arr_cents), 0))
        .select_from(pipeline.joined())
        .where(*conditions)
        .group_by(r.stage)
    )
    ranked = (
        select(
            *pipeline.columns(),
            func.row_number()
            .over(partition_by=r.stage, order_by=(r.renewal_date, r.id))
            .label("position"),
        )
        .select_from(pipeline.joined())
        .where(*conditions)
        .subquery()
    )
    cards_stmt = (
        select(*(ranked.c[f.name] for f in _ROW_COLUMNS))
        .where(ranked.c.position <= cards_per_stage)
        .order_by(ranked.c.stage, ranked.c.position)
    )
    with connect(engine) as connection:
        ensure(connection, actor, "renewal.view")
        totals = {stage: (int(n), int(arr)) for stage, n, arr in connection.execute(sums)}
        cards: dict[str, list[RenewalRow]] = {stage: [] for stage in OPEN_STAGES}
        for row in connection.execute(cards_stmt):
            cards[row.stage].append(pipeline.row(row))
    return [
        StageColumn(stage, *totals.get(stage, (0, 0)), cards=cards[stage]) for stage in OPEN_STAGES
    ]


_ROW_COLUMNS = [f for f in fields(RenewalRow) if f.name != "days_to_renewal"]

CSV_COLUMNS = (
    "renewal_id", "account_id", "account", "segment", "region", "csm", "renewal_date",
    "days_to_renewal", "current_arr", "expected_arr", "upsell", "stage", "probability",
    "forecast_category", "risk", "risk_reason", "health_band", "next_step", "next_step_date",
    "owner", "outcome", "renewed_arr", "needs_attention", "version",
)  # fmt: skip


def _money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}"


def all_renewals(
    engine: Engine | Connection,
    actor: Actor,
    where: RenewalFilter | None = None,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
    sort: str = "renewal_date",
    descending: bool = False,
    limit: int | None = None,
) -> Iterator[RenewalRow]:
    """Every selected renewal (up to ``limit``) in pipeline order, streamed from one query:
    for exports and the command line, not for pages."""
    pipeline = _pipeline(engine, where, as_of, today)
    stmt = _select(pipeline, where or RenewalFilter(), sort, descending)
    if limit is not None:
        stmt = stmt.limit(limit)
    with connect(engine) as connection:
        ensure(connection, actor, "renewal.view")
        for found in connection.execute(stmt):
            yield pipeline.row(found)


def pipeline_csv(
    engine: Engine | Connection,
    actor: Actor,
    where: RenewalFilter | None = None,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
    sort: str = "renewal_date",
    descending: bool = False,
) -> str:
    """Every selected renewal (up to ``MAX_CSV_ROWS``) as CSV text, money in major units.
    Cells a spreadsheet would run as a formula are prefixed with a quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = all_renewals(
        engine, actor, where, as_of=as_of, today=today, sort=sort, descending=descending,
        limit=MAX_CSV_ROWS,
    )  # fmt: skip
    for row in rows:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    row.id, row.account_id, row.account_name, row.segment, row.region,
                    row.csm_name, row.renewal_date.isoformat(), row.days_to_renewal,
                    _money(row.current_arr_cents), _money(row.expected_arr_cents),
                    _money(row.upsell_cents), row.stage, f"{row.probability:.2f}",
                    row.forecast_category, row.risk, row.risk_reason, row.health_band,
                    row.next_step, row.next_step_date, row.owner_name, row.outcome,
                    _money(row.renewed_arr_cents), "yes" if row.needs_attention else "",
                    row.version,
                )
            ]
        )  # fmt: skip
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class RenewalDetail:
    """One renewal for the form: its row, its stage's default probability, its timeline."""

    row: RenewalRow
    stage_probability: float
    timeline: list[Change]
    stage_probabilities: dict[str, float]
    """Every stage's probability as configured (the form shows the chosen stage's)."""


def get_renewal(
    engine: Engine,
    actor: Actor,
    renewal_id: str,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
) -> RenewalDetail:
    """One renewal with its timeline (newest first); ``NotFound`` when there is none (or, with
    ``as_of``, when it did not exist yet)."""
    source = Renewal.__table__ if as_of is None else renewals_as_of(as_of, ids=[renewal_id])
    probabilities = get_stage_probabilities(engine)
    pipeline = _Pipeline(source, _day(as_of, today), probabilities)
    stmt = (
        select(*pipeline.columns())
        .select_from(pipeline.joined())
        .where(pipeline.r.id == renewal_id)
    )
    with Session(engine) as session:
        ensure(session, actor, "renewal.view")
        found = session.execute(stmt).one_or_none()
        if found is None:
            raise NotFound(f"no renewal {renewal_id}")
        row = pipeline.row(found)
        timeline = changes_of(session, renewal_id)
    if as_of is not None:
        timeline = [change for change in timeline if change.changed_at <= as_of]
    return RenewalDetail(
        row=row,
        stage_probability=probabilities[row.stage],
        timeline=list(reversed(timeline)),
        stage_probabilities=probabilities,
    )


@dataclass(frozen=True)
class Choices:
    """Values the pipeline filters offer: owners and CSMs (id, name), regions."""

    people: list[tuple[int, str]]
    regions: list[str]


def filter_choices(engine: Engine, actor: Actor) -> Choices:
    """The people who own renewals or are CSMs of accounts with renewals, and the regions."""
    owners = select(Renewal.owner_id).where(Renewal.owner_id.is_not(None))
    csms = select(Account.csm_id).where(
        Account.csm_id.is_not(None), Account.id.in_(select(Renewal.account_id))
    )
    people = (
        select(User.id, User.display_name)
        .where(or_(User.id.in_(owners), User.id.in_(csms)))
        .order_by(User.display_name)
    )
    regions = select(Account.region).where(Account.region.is_not(None)).distinct()
    with connect(engine) as connection:
        ensure(connection, actor, "renewal.view")
        return Choices(
            people=[(int(i), str(n)) for i, n in connection.execute(people)],
            regions=sorted(connection.scalars(regions)),
        )
