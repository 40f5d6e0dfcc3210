"""What a KPI is asked for: a window of whole UTC days, an ``as_of`` instant and filters."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

Grain = Literal["day", "week", "month"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month")

ACCOUNT_FILTERS = ("segment", "region", "csm_id", "account_id")
"""Filters on the account a row belongs to; they apply to every KPI."""
TICKET_FILTERS = (*ACCOUNT_FILTERS, "priority", "channel", "assignee_id")
"""Filters on the ticket itself as well; they apply to the ticket KPIs only."""


@dataclass(frozen=True)
class KpiFilter:
    """Restrict KPIs to a slice; every field is optional (None = no restriction).

    ``segment``, ``region``, ``csm_id`` and ``account_id`` select accounts and apply to every
    KPI (rows without an account drop out once one of them is set). ``priority`` (a null
    priority counts as ``normal``), ``channel`` and ``assignee_id`` apply to ticket KPIs only.
    """

    segment: str | None = None
    region: str | None = None
    csm_id: int | None = None
    priority: str | None = None
    channel: str | None = None
    assignee_id: int | None = None
    account_id: str | None = None

    def active(self) -> dict[str, object]:
        """The filters that are set, by name."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


def _check_window(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"window ends ({end}) before it starts ({start})")


def day_start(day: date) -> datetime:
    """The instant ``day`` 00:00 UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in UTC (23:59:59.999999), so its UTC day is ``day``."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def window_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The half-open UTC instants ``[start 00:00, end + 1 day 00:00)`` of a day window."""
    _check_window(start, end)
    return day_start(start), day_start(end + timedelta(days=1))


def trailing_window(as_of: datetime, days: int) -> tuple[date, date]:
    """The ``days`` whole UTC days ending with the UTC day of ``as_of`` (both ends included)."""
    today = as_of.astimezone(UTC).date()
    return today - timedelta(days=days - 1), today


def leading_window(as_of: datetime, days: int) -> tuple[date, date]:
    """The ``days`` whole UTC days starting with the UTC day of ``as_of`` (both ends included)."""
    today = as_of.astimezone(UTC).date()
    return today, today + timedelta(days=days - 1)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC instant; a naive datetime is read as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """Whole UTC days ``[start, end]`` (both included) and the instant ``as_of``."""

    start: date
    end: date
    as_of: datetime

    @property
    def lower(self) -> datetime:
        """First instant in the window: ``start`` 00:00 UTC."""
        return day_start(self.start)

    @property
    def upper(self) -> datetime:
        """First instant after the window: ``end + 1 day`` 00:00 UTC."""
        return day_start(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def as_of_day(self) -> date:
        """The UTC day of ``as_of`` (the day ``arr_total`` is measured on)."""
        return self.as_of.astimezone(UTC).date()


def make_window(
    start: date, end: date, as_of: datetime | None = None, *, now: datetime | None = None
) -> Window:
    """The window ``[start, end]``; ``as_of`` defaults to the end of ``end`` day (its last
    instant, so ``arr_total`` is measured on ``end``) or to ``now`` when that is earlier."""
    _check_window(start, end)
    if as_of is None:
        current = as_utc(now) if now is not None else datetime.now(UTC)
        as_of = min(end_of_day(end), current)
    return Window(start, end, as_utc(as_of))


def previous_window(window: Window) -> Window:
    """The window of the same length right before, with ``as_of`` moved back by that length
    (so a period-to-date window compares with the same point of the previous period)."""
    shift = timedelta(days=window.days)
    return Window(window.start - shift, window.end - shift, window.as_of - shift)


def _next_period(day: date, grain: Grain) -> date:
    if grain == "day":
        return day + timedelta(days=1)
    if grain == "week":
        return day + timedelta(days=7 - day.weekday())
    if grain == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    raise ValueError(f"unknown grain {grain!r} (use {', '.join(GRAINS)})")


def split_window(window: Window, grain: Grain) -> list[Window]:
    """Buckets of ``grain`` covering the window, clipped to it (weeks start on Monday, months
    are calendar months); each bucket keeps the window's ``as_of``."""
    buckets = []
    day = window.start
    while day <= window.end:
        following = _next_period(day, grain)
        last = min(following - timedelta(days=1), window.end)
        buckets.append(Window(day, last, window.as_of))
        day = following
    return buckets


NO_FILTER = KpiFilter()
"""No restriction: the default of every ``filters`` argument."""
