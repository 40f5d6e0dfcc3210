"""Fiscal quarters: calendar quarters unless the fiscal year starts in another month.

A fiscal year is named by the calendar year it ends in (the usual US convention: with a
February start, FY2026 runs from 1 February 2025 to 31 January 2026), so with the default
January start a fiscal quarter is the calendar quarter of the same name. Quarters are written
``2026Q1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from cs_data.config import get_settings

_LABEL = re.compile(r"^\s*(?:FY)?(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _from_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Quarter:
    """One fiscal quarter: ``[start, end]`` whole days, both included."""

    fiscal_year: int
    number: int
    start_month: int = 1
    """The month the fiscal year starts in (1..12)."""

    @property
    def start(self) -> date:
        first = _month_index(self.fiscal_year, self.start_month)
        if self.start_month != 1:
            first -= 12
        return _from_index(first + 3 * (self.number - 1))

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}Q{self.number}"

    def months(self) -> list[date]:
        """The first day of each of the quarter's three months."""
        first = _month_index(self.start.year, self.start.month)
        return [_from_index(first + k) for k in range(3)]

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.fiscal_year + 1, 1, self.start_month)
        return Quarter(self.fiscal_year, self.number + 1, self.start_month)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.fiscal_year - 1, 4, self.start_month)
        return Quarter(self.fiscal_year, self.number - 1, self.start_month)

    def __str__(self) -> str:
        return self.label


def start_month(configured: int | None = None) -> int:
    """The configured fiscal year start month (``fiscal_year_start_month``), or ``configured``."""
    return configured if configured is not None else get_settings().fiscal_year_start_month


def quarter_of(day: date, *, fiscal_start_month: int | None = None) -> Quarter:
    """The fiscal quarter holding ``day``."""
    month = start_month(fiscal_start_month)
    offset = (_month_index(day.year, day.month) - (month - 1)) % 12
    fiscal_year = day.year + (1 if month != 1 and day.month >= month else 0)
    return Quarter(fiscal_year, offset // 3 + 1, month)


def parse_quarter(text: str, *, fiscal_start_month: int | None = None) -> Quarter:
    """``2026Q1`` (also ``FY2026Q1``, ``2026-Q1``) as a quarter; ``ValueError`` otherwise."""
    found = _LABEL.match(text or "")
    if not found:
        raise ValueError(f"not a quarter like 2026Q1: {text!r}")
    return Quarter(int(found[1]), int(found[2]), start_month(fiscal_start_month))


def quarters_around(day: date, *, before: int, after: int, fiscal_start_month: int | None = None):
    """The quarters from ``before`` quarters before the one holding ``day`` to ``after`` after."""
    current = quarter_of(day, fiscal_start_month=fiscal_start_month)
    first = current
    for _ in range(before):
        first = first.previous()
    out = [first]
    while len(out) < before + after + 1:
        out.append(out[-1].next())
    return out
