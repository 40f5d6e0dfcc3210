"""Retention drill-downs behind the Retention page: the ARR waterfall of a window and the
accounts that churned in it, aggregated or paged in SQL.

Both follow the cohort rules of the retention KPIs (``cs_data.kpi.revenue``): an account's
starting ARR is its ARR on ``start``, its ending ARR its ARR on ``end + 1 day``; the cohort is
the accounts with starting ARR > 0. So ``grr = (starting − contraction − churn) / starting``
and ``nrr = (starting + expansion − contraction − churn) / starting``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from cs_data.kpi.revenue import _arr_if_active
from cs_data.kpi.scope import NO_FILTER, KpiFilter, make_window
from cs_data.kpi.sql import Bind, account_conditions, as_int, connect
from cs_data.models import Account, Subscription, User
from cs_data.paging import Page, paginate


def _per_account(start: date, end: date, filters: KpiFilter) -> Any:
    """Per account with a subscription overlapping ``[start, end + 1]``: ``starting`` (ARR on
    ``start``), ``ending`` (ARR on ``end + 1``) and ``last_end`` (the latest end_date on or
    before ``end + 1``), as a subquery."""
    make_window(start, end)
    after = end + timedelta(days=1)
    ended = case((Subscription.end_date <= after, Subscription.end_date), else_=None)
    return (
        select(
            Subscription.account_id.label("account_id"),
            func.sum(_arr_if_active(start)).label("starting"),
            func.sum(_arr_if_active(after)).label("ending"),
            func.max(ended).label("last_end"),
        )
        .where(
            Subscription.start_date <= after,
            or_(Subscription.end_date.is_(None), Subscription.end_date > start),
            *account_conditions(Subscription.account_id, filters),
        )
        .group_by(Subscription.account_id)
        .subquery()
    )


@dataclass(frozen=True)
class Waterfall:
    """ARR movements of a window, in cents: ``starting`` (cohort ARR on start), ``expansion``,
    ``contraction`` and ``churn`` of the cohort, ``new`` (accounts without ARR on start that
    have some on end + 1 day) and ``ending`` (all ARR on end + 1 day)."""

    starting: int
    expansion: int
    contraction: int
    churn: int
    new: int
    ending: int
    cohort: int
    churned: int
    """Cohort accounts and those of them left with ARR 0."""

    @property
    def grr(self) -> float | None:
        """(starting − contraction − churn) / starting; None without a cohort."""
        if not self.starting:
            return None
        return (self.starting - self.contraction - self.churn) / self.starting

    @property
    def nrr(self) -> float | None:
        """(starting + expansion − contraction − churn) / starting; None without a cohort."""
        if not self.starting:
            return None
        kept = self.starting + self.expansion - self.contraction - self.churn
        return kept / self.starting


def arr_waterfall(
    bind: Bind, start: date, end: date, *, filters: KpiFilter = NO_FILTER
) -> Waterfall:
    """The ARR waterfall of ``[start, end]`` from one grouped query: starting + new +
    expansion − contraction − churn = ending."""
    rows = _per_account(start, end, filters)
    starting, ending = rows.c.starting, rows.c.ending
    cohort = starting > 0
    stmt = select(
        func.sum(case((cohort, starting), else_=0)),
        func.sum(case((and_(cohort, ending > starting), ending - starting), else_=0)),
        func.sum(case((and_(cohort, ending > 0, ending < starting), starting - ending), else_=0)),
        func.sum(case((and_(cohort, ending == 0), starting), else_=0)),
        func.sum(case((and_(starting == 0, ending > 0), ending), else_=0)),
        func.sum(ending),
        func.sum(case((cohort, 1), else_=0)),
        func.sum(case((and_(cohort, ending == 0), 1), else_=0)),
    )
    with connect(bind) as connection:
        values = [as_int(value) for value in connection.execute(stmt).one()]
    return Waterfall(*values)


@dataclass(frozen=True)
class ChurnedAccount:
    """A cohort account left with ARR 0 on end + 1 day; ``ended_on`` is the end_date
    (exclusive: its first day without ARR) of its last subscription to end."""

    account_id: str
    name: str
    segment: str | None
    csm: str | None
    starting_arr_cents: int
    ended_on: date | None


ChurnedPage = Page[ChurnedAccount]
"""One page of churned accounts, largest starting ARR first, and how many there are."""


def churned_accounts(
    bind: Bind,
    start: date,
    end: date,
    *,
    filters: KpiFilter = NO_FILTER,
    page: int = 1,
    page_size: int = 50,
) -> ChurnedPage:
    """One page (1-based, clamped) of the window's churned accounts (ARR > 0 on ``start``, 0 on
    ``end + 1 day``), by starting ARR descending then account id, paged in SQL."""
    rows = _per_account(start, end, filters)
    stmt = (
        select(
            Account.id,
            Account.name,
            Account.segment,
            User.display_name.label("csm"),
            rows.c.starting,
            rows.c.last_end,
        )
        .select_from(rows)
        .join(Account, Account.id == rows.c.account_id)
        .outerjoin(User, User.id == Account.csm_id)
        .where(rows.c.starting > 0, rows.c.ending == 0)
        .order_by(rows.c.starting.desc(), Account.id)
    )
    with connect(bind) as connection:
        return paginate(
            connection,
            stmt,
            page=page,
            page_size=page_size,
            into=lambda row: ChurnedAccount(
                account_id=row.id,
                name=row.name,
                segment=row.segment,
                csm=row.csm,
                starting_arr_cents=as_int(row.starting),
                ended_on=row.last_end,
            ),
        )
