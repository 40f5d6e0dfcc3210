"""Accounts: the list with health, the account 360 view, the interactions log, the at-risk list.

Queries filter, sort and page in SQL (``cs_data.paging``); the figures of the page's rows that
no sort needs (last NPS and CSAT, the renewal's stage) are read for those rows only.

"Now" is ``today`` (UTC, default the current day): health is the latest snapshot dated on or
before it and its change is against the latest snapshot day at least 7 days earlier.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from cs_data import audit, domain, health
from cs_data.auth import Actor, Owned, ensure
from cs_data.db import read_session, transaction
from cs_data.errors import FieldError, InvalidInput, NotFound
from cs_data.kpi.scope import day_start
from cs_data.kpi.sql import Bind, as_int, connect
from cs_data.kpi.surveys import NPS_DETRACTOR_MAX
from cs_data.models import (
    Account,
    AccountUsage,
    Contact,
    HealthSnapshot,
    Interaction,
    Renewal,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
)
from cs_data.paging import Page, paginate, paginate_keys

SORTS = (
    "health",
    "change",
    "name",
    "arr",
    "renewal_date",
    "open_tickets",
    "last_touch",
)
"""What the list can be sorted by."""
MAX_PAGE_SIZE = 200
EXPORT_LIMIT = 100_000
ENRICH_CHUNK = 2_000

CHANGE_DAYS = 7
"""The list's change column: against the health of at least this many days before."""
FALL_DAYS = 14
FALL_POINTS = 15.0
"""At risk: the score fell by at least this much against the snapshot 14 days before."""
RENEWAL_RISK_DAYS = 90
"""At risk: a renewal due within this many days and a detractor NPS within as many days."""
AT_RISK_REASONS = ("red", "fell", "renewal_detractor")

JOURNEY_STAGES = ("onboarding", "adoption", "value", "renewal")
ONBOARDING_DAYS = 90
ADOPTED_SHARE = 0.6
RENEWAL_STAGE_DAYS = 90
TOUCH_CADENCE_DAYS = {"enterprise": 14, "mid_market": 30, "smb": 45, None: 45}
"""Days between touches a CSM is expected to keep, by segment: the next expected touch."""

SUMMARY_MAX = 5_000


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


# --- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFilter:
    """What the list narrows to; None means any."""

    segment: str | None = None
    region: str | None = None
    csm_id: int | None = None
    band: str | None = None
    renewal_within_days: int | None = None
    """Only accounts with an open renewal due from today to today + N days."""
    search: str | None = None
    """Part of the name, any case."""
    customers_only: bool = True
    """Only accounts with ARR > 0 today."""


@dataclass(frozen=True)
class AccountRow:
    id: str
    name: str
    segment: str | None
    region: str | None
    csm_id: int | None
    csm_name: str | None
    health: float | None
    band: str | None
    change: float | None
    """Points gained (negative: lost) since the snapshot at least 7 days before."""
    arr_cents: int
    next_renewal_date: date | None
    next_renewal_stage: str | None
    open_tickets: int
    last_nps: int | None
    last_csat: int | None
    last_touch: date | None
    days_since_touch: int | None


@dataclass(frozen=True)
class _Days:
    """The snapshot days the list reads: the latest on or before today, and the reference."""

    today: date
    current: date | None
    previous: date | None


def _snapshot_day(connection: Connection, on_or_before: date) -> date | None:
    return connection.execute(
        select(func.max(HealthSnapshot.snapshot_date)).where(
            HealthSnapshot.snapshot_date <= on_or_before
        )
    ).scalar_one()


def _days(connection: Connection, today: date) -> _Days:
    current = _snapshot_day(connection, today)
    previous = _snapshot_day(connection, current - timedelta(days=CHANGE_DAYS)) if current else None
    return _Days(today, current, previous)


def _arr_today(today: date, ids: Sequence[str] | None = None) -> Any:
    conditions = [
        Subscription.start_date <= today,
        or_(Subscription.end_date.is_(None), Subscription.end_date > today),
    ]
    if ids is not None:
        conditions.append(Subscription.account_id.in_(ids))
    return (
        select(
            Subscription.account_id.label("account_id"),
            func.sum(Subscription.arr_cents).label("arr"),
        )
        .where(*conditions)
        .group_by(Subscription.account_id)
        .subquery("arr")
    )


class _Joins:
    """The per-account figures of the list, each joined to the accounts only when a filter, the
    sort or the columns shown need it. ``ids`` (the rows of one page) narrows every figure to
    those accounts."""

    def __init__(self, days: _Days, ids: Sequence[str] | None = None) -> None:
        self.days = days
        self.ids = list(ids) if ids is not None else None
        self.now = day_start(days.today + timedelta(days=1))
        self.stmt: Any = None
        self.made: dict[str, Any] = {}

    def _mine(self, column: Any) -> list[Any]:
        return [column.in_(self.ids)] if self.ids is not None else []

    def start(self, *columns: Any) -> Any:
        self.stmt = select(Account.id, *columns).select_from(Account)
        if self.ids is not None:
            self.stmt = self.stmt.where(Account.id.in_(self.ids))
        return self

    def _join(self, name: str, target: Any, on: Any) -> Any:
        if name not in self.made:
            self.made[name] = target
            self.stmt = self.stmt.outerjoin(target, on(target))
        return self.made[name]

    def arr(self) -> Any:
        return self._join(
            "arr", _arr_today(self.days.today, self.ids), lambda s: s.c.account_id == Account.id
        )

    def snapshot(self, name: str, day: date | None) -> Any:
        return self._join(
            name,
            aliased(HealthSnapshot, name=name),
            lambda s: and_(s.account_id == Account.id, s.snapshot_date == day),
        )

    def current(self) -> Any:
        return self.snapshot("current", self.days.current)

    def previous(self) -> Any:
        return self.snapshot("previous", self.days.previous)

    def renewal(self) -> Any:
        found = (
            select(
                Renewal.account_id.label("account_id"),
                func.min(Renewal.renewal_date).label("next"),
            )
            .where(Renewal.outcome.is_(None), *self._mine(Renewal.account_id))
            .group_by(Renewal.account_id)
            .subquery("renewal")
        )
        return self._join("renewal", found, lambda s: s.c.account_id == Account.id)

    def open_tickets(self) -> Any:
        # two branches, so each reads the resolved_at index instead of every ticket
        base = [
            Ticket.account_id.is_not(None),
            Ticket.created_at < self.now,
            *self._mine(Ticket.account_id),
        ]
        unresolved = select(Ticket.account_id).where(Ticket.resolved_at.is_(None), *base)
        later = select(Ticket.account_id).where(Ticket.resolved_at >= self.now, *base)
        both = union_all(unresolved, later).subquery()
        found = (
            select(both.c.account_id.label("account_id"), func.count().label("open"))
            .group_by(both.c.account_id)
            .subquery("open_tickets")
        )
        return self._join("open_tickets", found, lambda s: s.c.account_id == Account.id)

    def touch(self) -> Any:
        found = (
            select(
                Interaction.account_id.label("account_id"),
                func.max(Interaction.occurred_at).label("last"),
            )
            .where(Interaction.occurred_at < self.now, *self._mine(Interaction.account_id))
            .group_by(Interaction.account_id)
            .subquery("touch")
        )
        return self._join("touch", found, lambda s: s.c.account_id == Account.id)

    def sort_column(self, sort: str) -> Any:
        if sort == "health":
            return self.current().score
        if sort == "change":
            return self.current().score - self.previous().score
        if sort == "name":
            return Account.name
        if sort == "arr":
            return func.coalesce(self.arr().c.arr, 0)
        if sort == "renewal_date":
            return self.renewal().c.next
        if sort == "open_tickets":
            return func.coalesce(self.open_tickets().c.open, 0)
        if sort == "last_touch":
            return self.touch().c.last
        raise InvalidInput([FieldError("sort", "unknown", f"cannot sort by {sort!r}")])

    def narrow(self, where: AccountFilter) -> Any:
        conditions = []
        if where.customers_only:
            conditions.append(self.arr().c.arr > 0)
        if where.segment:
            conditions.append(Account.segment == where.segment)
        if where.region:
            conditions.append(Account.region == where.region)
        if where.csm_id is not None:
            conditions.append(Account.csm_id == where.csm_id)
        if where.band:
            conditions.append(self.current().band == where.band)
        if where.renewal_within_days is not None:
            next_date = self.renewal().c.next
            last_day = self.days.today + timedelta(days=where.renewal_within_days)
            conditions += [next_date >= self.days.today, next_date <= last_day]
        if where.search and where.search.strip():
            pattern = "%" + _escape_like(where.search.strip().lower()) + "%"
            conditions.append(func.lower(Account.name).like(pattern, escape="\\"))
        self.stmt = self.stmt.where(*conditions)
        return self.stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _selection(where: AccountFilter, days: _Days, sort: str, descending: bool) -> Any:
    """The ids of the matching accounts in list order (accounts without the sort value last)."""
    joins = _Joins(days).start()
    column = joins.sort_column(sort)
    stmt = joins.narrow(where)
    order = column.desc() if descending else column.asc()
    return stmt.add_columns(column.label("sort_value")).order_by(
        column.is_(None), order, Account.id
    )


def _details(connection: Connection, ids: Sequence[str], days: _Days) -> list[AccountRow]:
    """The list's columns for the accounts ``ids`` (one page), in that order."""
    if not ids:
        return []
    joins = _Joins(days, ids)
    joins.start(User.display_name.label("csm_name"))
    joins.stmt = joins.stmt.outerjoin(User, User.id == Account.csm_id)
    current, previous = joins.current(), joins.previous()
    columns = (
        Account.name,
        Account.segment,
        Account.region,
        Account.csm_id,
        current.score.label("health"),
        current.band.label("band"),
        (current.score - previous.score).label("change"),
        func.coalesce(joins.arr().c.arr, 0).label("arr_cents"),
        joins.renewal().c.next.label("next_renewal_date"),
        func.coalesce(joins.open_tickets().c.open, 0).label("open_tickets"),
        joins.touch().c.last.label("last_touch"),
    )
    stmt = joins.stmt.add_columns(*columns)  # after the joins the columns made
    found = {row.id: row for row in connection.execute(stmt)}
    return _enrich(connection, [found[account] for account in ids if account in found], days.today)


def list_accounts(
    engine: Engine,
    where: AccountFilter | None = None,
    *,
    sort: str = "health",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
    today: date | None = None,
) -> Page[AccountRow]:
    """One page of the accounts matching ``where``, sorted by ``sort`` (see ``SORTS``): the
    matching ids are counted and paged in SQL with only the figures the filters and the sort
    need; the page's columns are then read for its accounts alone."""
    with connect(engine) as connection:
        days = _days(connection, _today(today))
        return paginate_keys(
            connection,
            _selection(where or AccountFilter(), days, sort, descending),
            page=page,
            page_size=page_size,
            max_page_size=MAX_PAGE_SIZE,
            load=lambda ids: _details(connection, ids, days),
        )


def export_accounts(
    engine: Engine,
    where: AccountFilter | None = None,
    *,
    sort: str = "health",
    descending: bool = False,
    today: date | None = None,
) -> list[AccountRow]:
    """Every account matching ``where`` (up to ``EXPORT_LIMIT``), for a CSV download."""
    with connect(engine) as connection:
        days = _days(connection, _today(today))
        selection = _selection(where or AccountFilter(), days, sort, descending)
        ids = list(connection.scalars(selection.limit(EXPORT_LIMIT)))
        rows: list[AccountRow] = []
        for start in range(0, len(ids), ENRICH_CHUNK):
            rows += _details(connection, ids[start : start + ENRICH_CHUNK], days)
    return rows


def _enrich(connection: Connection, rows: Sequence[Any], today: date) -> list[AccountRow]:
    """``AccountRow``s with the last NPS and CSAT and the next renewal's stage of each row."""
    ids = [row.id for row in rows]
    if not ids:
        return []
    ranked = (
        select(
            SurveyResponse.account_id,
            SurveyResponse.survey_type,
            SurveyResponse.score,
            func.row_number()
            .over(
                partition_by=(SurveyResponse.account_id, SurveyResponse.survey_type),
                order_by=(SurveyResponse.responded_at.desc(), SurveyResponse.id.desc()),
            )
            .label("rank"),
        )
        .where(
            SurveyResponse.account_id.in_(ids),
            SurveyResponse.survey_type.in_(("nps", "csat")),
            SurveyResponse.responded_at < day_start(today + timedelta(days=1)),
        )
        .subquery()
    )
    last_scores = {
        (account, kind): score
        for account, kind, score in connection.execute(
            select(ranked.c.account_id, ranked.c.survey_type, ranked.c.score).where(
                ranked.c.rank == 1
            )
        )
    }
    stages: dict[str, str] = {}
    for account, stage in connection.execute(
        select(Renewal.account_id, Renewal.stage)
        .where(Renewal.account_id.in_(ids), Renewal.outcome.is_(None))
        .order_by(Renewal.renewal_date.desc(), Renewal.id.desc())
    ):
        stages[account] = stage  # the earliest open renewal is written last
    result = []
    for row in rows:
        last = health._utc_date(row.last_touch) if row.last_touch is not None else None
        result.append(
            AccountRow(
                id=row.id,
                name=row.name,
                segment=row.segment,
                region=row.region,
                csm_id=row.csm_id,
                csm_name=row.csm_name,
                health=row.health,
                band=row.band,
                change=row.change,
                arr_cents=as_int(row.arr_cents),
                next_renewal_date=row.next_renewal_date,
                next_renewal_stage=stages.get(row.id),
                open_tickets=as_int(row.open_tickets),
                last_nps=last_scores.get((row.id, "nps")),
                last_csat=last_scores.get((row.id, "csat")),
                last_touch=last,
                days_since_touch=(today - last).days if last is not None else None,
            )
        )
    return result


# --- the at-risk list ---------------------------------------------------------------------


@dataclass(frozen=True)
class AtRiskRow:
    id: str
    name: str
    csm_name: str | None
    arr_cents: int
    """ARR today: what is at risk."""
    health: float | None
    band: str | None
    fell_by: float | None
    """Points lost against the snapshot 14 days before (positive = fell)."""
    next_renewal_date: date | None
    reasons: tuple[str, ...]
    """Among ``AT_RISK_REASONS``: red band, fell ≥ 15 points in 14 days, renewal due within
    90 days with a detractor NPS in the last 90 days."""


def at_risk(
    engine: Engine,
    *,
    csm_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
    today: date | None = None,
) -> Page[AtRiskRow]:
    """Accounts at risk, each with its reasons, sorted by ARR at risk (largest first)."""
    day = _today(today)
    with connect(engine) as connection:
        current_day = _snapshot_day(connection, day)
        earlier_day = (
            _snapshot_day(connection, current_day - timedelta(days=FALL_DAYS))
            if current_day
            else None
        )
        current = aliased(HealthSnapshot, name="current")
        earlier = aliased(HealthSnapshot, name="earlier")
        arr = _arr_today(day)
        due = (
            select(
                Renewal.account_id.label("account_id"),
                func.min(Renewal.renewal_date).label("next"),
            )
            .where(
                Renewal.outcome.is_(None),
                Renewal.renewal_date >= day,
                Renewal.renewal_date <= day + timedelta(days=RENEWAL_RISK_DAYS),
            )
            .group_by(Renewal.account_id)
            .subquery("due")
        )
        detractor = (
            select(SurveyResponse.account_id.label("account_id"))
            .where(
                SurveyResponse.survey_type == "nps",
                SurveyResponse.score <= NPS_DETRACTOR_MAX,
                SurveyResponse.responded_at
                >= day_start(day - timedelta(days=RENEWAL_RISK_DAYS - 1)),
                SurveyResponse.responded_at < day_start(day + timedelta(days=1)),
            )
            .group_by(SurveyResponse.account_id)
            .subquery("detractor")
        )
        fell_by = (earlier.score - current.score).label("fell_by")
        is_red = case((current.band == "red", 1), else_=0).label("is_red")
        fell = case((fell_by >= FALL_POINTS, 1), else_=0).label("fell")
        renewal_risk = case(
            (and_(due.c.next.is_not(None), detractor.c.account_id.is_not(None)), 1), else_=0
        ).label("renewal_risk")
        arr_value = func.coalesce(arr.c.arr, 0)
        stmt = (
            select(
                Account.id,
                Account.name,
                User.display_name.label("csm_name"),
                arr_value.label("arr_cents"),
                current.score.label("health"),
                current.band.label("band"),
                fell_by,
                due.c.next.label("next_renewal_date"),
                is_red,
                fell,
                renewal_risk,
            )
            .join(arr, arr.c.account_id == Account.id)
            .outerjoin(User, User.id == Account.csm_id)
            .outerjoin(
                current,
                and_(current.account_id == Account.id, current.snapshot_date == current_day),
            )
            .outerjoin(
                earlier,
                and_(earlier.account_id == Account.id, earlier.snapshot_date == earlier_day),
            )
            .outerjoin(due, due.c.account_id == Account.id)
            .outerjoin(detractor, detractor.c.account_id == Account.id)
            .where(
                arr.c.arr > 0,
                or_(
                    current.band == "red",
                    fell_by >= FALL_POINTS,
                    and_(due.c.next.is_not(None), detractor.c.account_id.is_not(None)),
                ),
            )
            .order_by(arr_value.desc(), Account.id)
        )
        if csm_id is not None:
            stmt = stmt.where(Account.csm_id == csm_id)
        return paginate(
            connection,
            stmt,
            page=page,
            page_size=page_size,
            max_page_size=MAX_PAGE_SIZE,
            into=_at_risk_row,
            total_with_rows=True,
        )


def _at_risk_row(row: Any) -> AtRiskRow:
    flags = (row.is_red, row.fell, row.renewal_risk)
    return AtRiskRow(
        id=row.id,
        name=row.name,
        csm_name=row.csm_name,
        arr_cents=as_int(row.arr_cents),
        health=row.health,
        band=row.band,
        fell_by=row.fell_by,
        next_renewal_date=row.next_renewal_date,
        reasons=tuple(reason for reason, flag in zip(AT_RISK_REASONS, flags, strict=True) if flag),
    )


# --- one account --------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalView:
    id: str
    renewal_date: date
    stage: str
    forecast_category: str
    current_arr_cents: int
    expected_arr_cents: int | None
    probability: float | None
    risk: str | None
    next_step: str | None
    next_step_date: date | None
    owner_name: str | None


@dataclass(frozen=True)
class Journey:
    """Where the customer is: onboarding → adoption → value → renewal (see ``journey_stage``)."""

    stage: str
    last_touch: date | None
    next_touch: date | None
    """The last touch plus the segment's cadence (today when never touched)."""


@dataclass(frozen=True)
class AccountView:
    """The account 360 header and "why this score"."""

    id: str
    name: str
    segment: str | None
    region: str | None
    industry: str | None
    csm_id: int | None
    csm_name: str | None
    created_at: datetime | None
    arr_cents: int
    health: health.AccountHealth | None
    previous: health.AccountHealth | None
    """The snapshot at least 7 days before ``health``'s, for "what changed"."""
    renewal: RenewalView | None
    """The next open renewal (the earliest by date)."""
    journey: Journey
    usage_share: float | None
    """Active users ÷ licensed seats of the latest usage row (None: no row or no seats)."""
    contacts: list[ContactView] = field(default_factory=list)


@dataclass(frozen=True)
class ContactView:
    id: int
    name: str
    email: str | None
    phone: str | None
    title: str | None
    role: str | None
    is_primary: bool


def journey_stage(
    *,
    today: date,
    created: date | None,
    usage_share: float | None,
    next_renewal: date | None,
) -> str:
    """The customer journey stage, first rule that holds: ``renewal`` when an open renewal is
    due within 90 days; ``onboarding`` in the first 90 days after the account was created;
    ``adoption`` while under 60 % of licensed seats are active (or no usage is known); else
    ``value``."""
    if next_renewal is not None and next_renewal <= today + timedelta(days=RENEWAL_STAGE_DAYS):
        return "renewal"
    if created is not None and (today - created).days < ONBOARDING_DAYS:
        return "onboarding"
    if usage_share is None or usage_share < ADOPTED_SHARE:
        return "adoption"
    return "value"


def get_account(engine: Engine, account_id: str, *, today: date | None = None) -> AccountView:
    """The account 360 header; ``NotFound`` when there is no such account."""
    day = _today(today)
    with read_session(engine) as connection:
        row = connection.execute(
            select(Account, User.display_name)
            .outerjoin(User, User.id == Account.csm_id)
            .where(Account.id == account_id)
        ).first()
        if row is None:
            raise NotFound(f"no account {account_id!r}")
        account, csm_name = row
        arr = connection.execute(
            select(func.coalesce(func.sum(Subscription.arr_cents), 0)).where(
                Subscription.account_id == account_id,
                Subscription.start_date <= day,
                or_(Subscription.end_date.is_(None), Subscription.end_date > day),
            )
        ).scalar_one()
        current, previous = _account_health(connection, account_id, day)
        renewal = _next_renewal(connection, account_id)
        usage = connection.execute(
            select(AccountUsage.active_users, AccountUsage.licensed_seats)
            .where(AccountUsage.account_id == account_id, AccountUsage.month <= day)
            .order_by(AccountUsage.month.desc())
            .limit(1)
        ).first()
        share = (
            usage.active_users / usage.licensed_seats if usage and usage.licensed_seats else None
        )
        last = connection.execute(
            select(func.max(Interaction.occurred_at)).where(
                Interaction.account_id == account_id,
                Interaction.occurred_at < day_start(day + timedelta(days=1)),
            )
        ).scalar_one()
        contacts = [
            ContactView(c.id, c.name, c.email, c.phone, c.title, c.role, c.is_primary)
            for c in connection.execute(
                select(Contact)
                .where(Contact.account_id == account_id)
                .order_by(Contact.is_primary.desc(), Contact.name)
            ).scalars()
        ]
    last_touch = health._utc_date(last) if last is not None else None
    cadence = TOUCH_CADENCE_DAYS.get(account.segment, TOUCH_CADENCE_DAYS[None])
    journey = Journey(
        stage=journey_stage(
            today=day,
            created=account.created_at.date() if account.created_at else None,
            usage_share=share,
            next_renewal=renewal.renewal_date if renewal else None,
        ),
        last_touch=last_touch,
        next_touch=last_touch + timedelta(days=cadence) if last_touch else day,
    )
    return AccountView(
        id=account.id,
        name=account.name,
        segment=account.segment,
        region=account.region,
        industry=account.industry,
        csm_id=account.csm_id,
        csm_name=csm_name,
        created_at=account.created_at,
        arr_cents=as_int(arr),
        health=current,
        previous=previous,
        renewal=renewal,
        journey=journey,
        usage_share=share,
        contacts=contacts,
    )


def _account_health(
    connection: Session, account_id: str, day: date
) -> tuple[health.AccountHealth | None, health.AccountHealth | None]:
    def latest(on_or_before: date) -> health.AccountHealth | None:
        row = connection.execute(
            select(
                HealthSnapshot.snapshot_date,
                HealthSnapshot.score,
                HealthSnapshot.band,
                HealthSnapshot.components,
            )
            .where(
                HealthSnapshot.account_id == account_id,
                HealthSnapshot.snapshot_date <= on_or_before,
            )
            .order_by(HealthSnapshot.snapshot_date.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return health.from_stored(
            account_id, row.snapshot_date, row.score, row.band, row.components
        )

    current = latest(day)
    previous = latest(current.day - timedelta(days=CHANGE_DAYS)) if current else None
    return current, previous


def _next_renewal(connection: Session, account_id: str) -> RenewalView | None:
    row = connection.execute(
        select(Renewal, User.display_name)
        .outerjoin(User, User.id == Renewal.owner_id)
        .where(Renewal.account_id == account_id, Renewal.outcome.is_(None))
        .order_by(Renewal.renewal_date, Renewal.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    renewal, owner = row
    return RenewalView(
        id=renewal.id,
        renewal_date=renewal.renewal_date,
        stage=renewal.stage,
        forecast_category=renewal.forecast_category,
        current_arr_cents=renewal.current_arr_cents,
        expected_arr_cents=renewal.expected_arr_cents,
        probability=renewal.probability,
        risk=renewal.risk,
        next_step=renewal.next_step,
        next_step_date=renewal.next_step_date,
        owner_name=owner,
    )


@dataclass(frozen=True)
class TrendPoint:
    day: date
    score: float
    band: str


def health_trend(
    bind: Bind, account_id: str, *, days: int = 182, today: date | None = None
) -> list[TrendPoint]:
    """The account's snapshots over the last ``days`` days, oldest first."""
    day = _today(today)
    with connect(bind) as connection:
        rows = connection.execute(
            select(HealthSnapshot.snapshot_date, HealthSnapshot.score, HealthSnapshot.band)
            .where(
                HealthSnapshot.account_id == account_id,
                HealthSnapshot.snapshot_date > day - timedelta(days=days),
                HealthSnapshot.snapshot_date <= day,
            )
            .order_by(HealthSnapshot.snapshot_date)
        ).all()
    return [TrendPoint(*row) for row in rows]


def arr_history(
    bind: Bind, account_id: str, *, months: int = 24, today: date | None = None
) -> list[tuple[date, int]]:
    """(first day of the month, ARR in cents on that day) for the last ``months`` months,
    from the account's own subscriptions (a handful of rows)."""
    day = _today(today)
    with connect(bind) as connection:
        terms = connection.execute(
            select(Subscription.start_date, Subscription.end_date, Subscription.arr_cents).where(
                Subscription.account_id == account_id
            )
        ).all()
    points = []
    for back in range(months - 1, -1, -1):
        month = health._month_start(day, back)
        arr = sum(
            t.arr_cents for t in terms if t.start_date <= month and (t.end_date or date.max) > month
        )
        points.append((month, arr))
    return points


@dataclass(frozen=True)
class TicketRow:
    id: str
    subject: str | None
    priority: str | None
    status: str | None
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    is_open: bool
    sla: str
    """First response SLA: ``met``, ``breached`` or ``pending`` (unanswered, inside target)."""


def account_tickets(
    engine: Engine, account_id: str, *, page: int = 1, page_size: int = 20
) -> Page[TicketRow]:
    """The account's tickets, open ones first, newest first within each."""
    from cs_data.config import get_settings

    targets = get_settings().sla_first_response_minutes
    now = datetime.now(UTC)
    is_open = Ticket.resolved_at.is_(None)
    stmt = (
        select(
            Ticket.id,
            Ticket.subject,
            Ticket.priority,
            Ticket.status,
            Ticket.created_at,
            Ticket.first_response_at,
            Ticket.resolved_at,
        )
        .where(Ticket.account_id == account_id)
        .order_by(is_open.desc(), Ticket.created_at.desc(), Ticket.id)
    )

    def into(row: Any) -> TicketRow:
        target = timedelta(minutes=targets.get(row.priority or "normal", targets["normal"]))
        if row.first_response_at is not None:
            sla = "met" if row.first_response_at - row.created_at <= target else "breached"
        else:
            sla = "breached" if now - row.created_at > target else "pending"
        return TicketRow(**row._asdict(), is_open=row.resolved_at is None, sla=sla)

    with connect(engine) as connection:
        return paginate(connection, stmt, page=page, page_size=page_size, into=into)


@dataclass(frozen=True)
class SurveyRow:
    id: str
    survey_type: str
    score: int
    responded_at: datetime
    comment: str | None


def account_surveys(
    engine: Engine, account_id: str, *, page: int = 1, page_size: int = 20
) -> Page[SurveyRow]:
    """The account's survey responses, newest first."""
    stmt = (
        select(
            SurveyResponse.id,
            SurveyResponse.survey_type,
            SurveyResponse.score,
            SurveyResponse.responded_at,
            SurveyResponse.comment,
        )
        .where(SurveyResponse.account_id == account_id)
        .order_by(SurveyResponse.responded_at.desc(), SurveyResponse.id)
    )
    with connect(engine) as connection:
        return paginate(
            connection, stmt, page=page, page_size=page_size, into=lambda r: SurveyRow(*r)
        )


# --- the interactions log -----------------------------------------------------------------


@dataclass(frozen=True)
class InteractionRow:
    id: str
    kind: str
    occurred_at: datetime
    summary: str | None
    user_name: str | None
    contact_name: str | None


def account_interactions(
    engine: Engine, account_id: str, *, page: int = 1, page_size: int = 20
) -> Page[InteractionRow]:
    """The account's interactions, newest first."""
    stmt = (
        select(
            Interaction.id,
            Interaction.kind,
            Interaction.occurred_at,
            Interaction.summary,
            User.display_name,
            Contact.name,
        )
        .outerjoin(User, User.id == Interaction.user_id)
        .outerjoin(Contact, Contact.id == Interaction.contact_id)
        .where(Interaction.account_id == account_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
    )
    with connect(engine) as connection:
        return paginate(
            connection, stmt, page=page, page_size=page_size, into=lambda r: InteractionRow(*r)
        )


def add_interaction(
    engine: Engine,
    actor: Actor,
    account_id: str,
    *,
    kind: str,
    occurred_at: datetime | None,
    summary: str | None,
    contact_id: int | None = None,
) -> InteractionRow:
    """Log a call, email, meeting, QBR or note on an account (its CSM, managers and admins).

    Validated (every field error at once): a known kind, a time not in the future, a summary
    of 1..5000 characters, a contact of this account. Audited; today's health snapshots are
    marked for recomputing, so the engagement component follows."""
    with transaction(engine) as session:
        account = session.get(Account, account_id)
        owners = frozenset({account.csm_id}) if account and account.csm_id else frozenset()
        actor = ensure(session, actor, "interaction.add", Owned("account", account_id, owners))
        if account is None:
            raise NotFound(f"no account {account_id!r}")
        errors: list[FieldError] = []
        if kind not in domain.INTERACTION_KINDS:
            errors.append(
                FieldError(
                    "kind",
                    "unknown_kind",
                    f"unknown kind {kind!r} (use {', '.join(domain.INTERACTION_KINDS)})",
                    {"kind": kind},
                )
            )
        now = datetime.now(UTC)
        if occurred_at is None:
            errors.append(
                FieldError("occurred_at", "date_required", "when it happened is required")
            )
        else:
            if occurred_at.tzinfo is None:
                occurred_at = occurred_at.replace(tzinfo=UTC)
            if occurred_at > now + timedelta(minutes=5):
                errors.append(
                    FieldError("occurred_at", "future", "an interaction cannot be in the future")
                )
        text = (summary or "").strip()
        if not text:
            errors.append(FieldError("summary", "summary_required", "a summary is required"))
        elif len(text) > SUMMARY_MAX:
            errors.append(
                FieldError(
                    "summary",
                    "too_long",
                    f"the summary is too long ({len(text):,} characters, at most {SUMMARY_MAX:,})",
                    {"max": SUMMARY_MAX, "length": len(text)},
                )
            )
        contact_name = None
        if contact_id is not None:
            contact = session.get(Contact, contact_id)
            if contact is None or contact.account_id != account_id:
                errors.append(
                    FieldError(
                        "contact_id", "unknown_contact", "the contact is not one of this account's"
                    )
                )
            else:
                contact_name = contact.name
        if errors:
            raise InvalidInput(errors)
        interaction = Interaction(
            id=f"INT-{uuid.uuid4().hex[:16]}",
            account_id=account_id,
            contact_id=contact_id,
            user_id=actor.user_id,
            kind=kind,
            occurred_at=occurred_at,
            summary=text,
            created_at=now,
        )
        session.add(interaction)
        session.flush()
        audit.record(
            session,
            actor,
            action="add_interaction",
            entity_type="interaction",
            entity_id=interaction.id,
            after={
                "account_id": account_id,
                "kind": kind,
                "occurred_at": occurred_at.isoformat(),
                "contact_id": contact_id,
                "summary": text,
            },
        )
        health.mark_stale(session, now.date())
        user_name = None
        if actor.user_id is not None:
            user = session.get(User, actor.user_id)
            user_name = user.display_name if user else None
    return InteractionRow(
        id=interaction.id,
        kind=kind,
        occurred_at=occurred_at,
        summary=text,
        user_name=user_name,
        contact_name=contact_name,
    )
