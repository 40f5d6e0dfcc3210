"""Revenue and retention KPIs from the subscription history (ARR on a day, GRR, NRR, churn)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, case, func, or_, select

from cs_data.kpi.scope import NO_FILTER, KpiFilter, Window
from cs_data.kpi.sql import Bind, account_conditions, as_int, bucket_index, connect, lookup
from cs_data.models import Account, Subscription

RETENTION_KEYS = ("grr", "nrr", "logo_churn_rate", "revenue_churn_rate")


def _active_on(day):
    """Subscriptions counting on ``day``: start_date <= day < end_date (null end = open)."""
    return Subscription.start_date <= day, or_(
        Subscription.end_date.is_(None), Subscription.end_date > day
    )


def arr_on(connection: Connection, days: Sequence[date], filters: KpiFilter) -> list[int]:
    """Total ARR (cents) on each of the non-decreasing ``days``: the first day is one sum (read
    from the subscriptions index alone); each later day adds the ARR of the subscriptions
    starting since the day before and takes away that of those ending since, so only those
    are read."""
    conditions = account_conditions(Subscription.account_id, filters)
    stmt = select(func.coalesce(func.sum(Subscription.arr_cents), 0)).where(
        *_active_on(days[0]), *conditions
    )
    running = as_int(connection.execute(stmt).scalar_one())
    if len(days) == 1:
        return [running]
    first, last = days[0], days[-1]
    started, ended = (
        _sum_by_bucket(
            connection,
            bucket_index(column, days, inclusive=True),
            [column > first, column <= last, *conditions],
        )
        for column in (Subscription.start_date, Subscription.end_date)
    )
    results = [running]
    for index in range(1, len(days)):
        running += started.get(index, 0) - ended.get(index, 0)
        results.append(running)
    return results


def _sum_by_bucket(connection: Connection, bucket, where) -> dict[int, int]:
    rows = select(bucket.label("bucket"), Subscription.arr_cents.label("arr")).where(*where)
    rows = rows.subquery()
    stmt = select(rows.c.bucket, func.sum(rows.c.arr)).group_by(rows.c.bucket)
    return {bucket: as_int(total) for bucket, total in connection.execute(stmt)}


def arr_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: ``arr_total``, the ARR on the UTC day of its ``as_of``."""
    totals = arr_on(connection, [w.as_of_day for w in windows], filters)
    return [{"arr_total": total} for total in totals]


def _arr_if_active(day):
    """A subscription's ARR when it counts on ``day`` (a date or a date expression), else 0."""
    return case((and_(*_active_on(day)), Subscription.arr_cents), else_=0)


def retention_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: GRR, NRR, logo and revenue churn of the accounts with ARR on its first day,
    measured on the day after its last, and how many those accounts are
    (``cohort_accounts``). The windows are consecutive, so they are chained: each
    one's ending day is the next one's start, and only the accounts whose subscriptions start
    or end within a window need their ARR looked up; the others keep their ARR."""
    firsts = [w.start for w in windows]
    afters = [w.end + timedelta(days=1) for w in windows]
    conditions = account_conditions(Subscription.account_id, filters)
    starting_totals = arr_on(connection, firsts, filters)
    cohort = _cohort_size(connection, firsts[0], conditions)
    changes = _changes_by_window(connection, firsts, afters, conditions)
    results = []
    for index, starting in enumerate(starting_totals):
        grown, lost, churned, returned = changes.get(index, (0, 0, 0, 0))
        if not starting:
            results.append({**dict.fromkeys(RETENTION_KEYS), "cohort_accounts": cohort})
        else:
            grr = (starting - lost) / starting
            results.append(
                {
                    "grr": grr,
                    "nrr": (starting + grown) / starting,
                    "logo_churn_rate": churned / cohort,
                    "revenue_churn_rate": 1 - grr,
                    "cohort_accounts": cohort,
                }
            )
        cohort += returned - churned
    return results


def _cohort_size(connection: Connection, day: date, conditions) -> int:
    """Accounts with ARR > 0 on ``day``."""
    positive = (
        select(Subscription.account_id)
        .where(*_active_on(day), *conditions)
        .group_by(Subscription.account_id)
        .having(func.sum(Subscription.arr_cents) > 0)
        .subquery()
    )
    return int(connection.execute(select(func.count()).select_from(positive)).scalar_one())


def _changes_by_window(
    connection: Connection, firsts: Sequence[date], afters: Sequence[date], conditions
) -> dict[int, tuple[int, int, int, int]]:
    """Per window ``k``, over the accounts with a subscription starting or ending in
    ``(firsts[k], afters[k]]``: (Σ ending − starting of the cohort's accounts, Σ ARR the cohort
    lost, accounts of the cohort left with ARR 0, accounts without ARR that gained some)."""
    moved = [
        select(
            Subscription.account_id.label("account_id"),
            bucket_index(column, afters, inclusive=True).label("bucket"),
        ).where(column > firsts[0], column <= afters[-1], *conditions)
        for column in (Subscription.start_date, Subscription.end_date)
    ]
    changed = moved[0].union(moved[1]).subquery()
    first = lookup(changed.c.bucket, firsts, Date())
    after = lookup(changed.c.bucket, afters, Date())

    per_account = (
        select(
            changed.c.bucket,
            func.sum(_arr_if_active(first)).label("starting"),
            func.sum(_arr_if_active(after)).label("ending"),
        )
        .join_from(changed, Subscription, Subscription.account_id == changed.c.account_id)
        .group_by(changed.c.bucket, changed.c.account_id)
        .subquery()
    )
    starting, ending = per_account.c.starting, per_account.c.ending
    in_cohort = starting > 0
    stmt = select(
        per_account.c.bucket,
        func.sum(case((in_cohort, ending - starting), else_=0)),
        func.sum(case((and_(in_cohort, ending < starting), starting - ending), else_=0)),
        func.sum(case((and_(in_cohort, ending == 0), 1), else_=0)),
        func.sum(case((and_(starting == 0, ending > 0), 1), else_=0)),
    ).group_by(per_account.c.bucket)
    return {
        int(row[0]): tuple(as_int(value) for value in row[1:]) for row in connection.execute(stmt)
    }


# --- single figures -----------------------------------------------------------------------


def account_count(bind: Bind) -> int:
    """Number of accounts."""
    with connect(bind) as connection:
        return connection.execute(select(func.count()).select_from(Account)).scalar_one()


def arr_total(bind: Bind, as_of: date, *, filters: KpiFilter = NO_FILTER) -> int:
    """ARR on day ``as_of`` in cents: subscriptions with start <= as_of < end (or no end)."""
    with connect(bind) as connection:
        return arr_on(connection, [as_of], filters)[0]


def retention_over(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window, as ``retention_stats`` computes it, for windows in any order that may
    overlap (the cohorts of a trailing-year trend): one query reads each account's ARR on
    every window's first day and on the day after its last."""
    conditions = account_conditions(Subscription.account_id, filters)
    afters = [w.end + timedelta(days=1) for w in windows]
    per_account_columns = []
    for index, (window, after) in enumerate(zip(windows, afters, strict=True)):
        per_account_columns += [
            func.sum(_arr_if_active(window.start)).label(f"s{index}"),
            func.sum(_arr_if_active(after)).label(f"e{index}"),
        ]
    per_account = (
        select(*per_account_columns)
        .where(
            Subscription.start_date <= max(afters),
            or_(
                Subscription.end_date.is_(None),
                Subscription.end_date > min(w.start for w in windows),
            ),
            *conditions,
        )
        .group_by(Subscription.account_id)
        .subquery()
    )
    sums = []
    for index in range(len(windows)):
        starting, ending = per_account.c[f"s{index}"], per_account.c[f"e{index}"]
        cohort = starting > 0
        sums += [
            func.sum(case((cohort, starting), else_=0)),
            func.sum(case((cohort, ending), else_=0)),
            func.sum(case((and_(cohort, ending < starting), ending), (cohort, starting), else_=0)),
            func.sum(case((cohort, 1), else_=0)),
            func.sum(case((and_(cohort, ending == 0), 1), else_=0)),
        ]
    row = [as_int(value) for value in connection.execute(select(*sums)).one()]
    results = []
    for index in range(len(windows)):
        starting, ending, kept, cohort, churned = row[5 * index : 5 * index + 5]
        if not starting:
            results.append({**dict.fromkeys(RETENTION_KEYS), "cohort_accounts": cohort})
            continue
        grr = kept / starting
        results.append(
            {
                "grr": grr,
                "nrr": ending / starting,
                "logo_churn_rate": churned / cohort,
                "revenue_churn_rate": 1 - grr,
                "cohort_accounts": cohort,
            }
        )
    return results
