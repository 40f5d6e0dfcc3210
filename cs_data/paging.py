"""Paging in SQL, written once: count what a query matches, clamp the page to the pages that
exist, and fetch that one page with LIMIT/OFFSET.

Every paged list (the audit log, breached tickets, survey responses, churned accounts) calls
``paginate`` and returns a ``Page`` of its own row type. A list whose rows are costly to build
on a large table (the Accounts list) pages its keys first with ``paginate_keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Row, Select, func, select

T = TypeVar("T")

MAX_PAGE_SIZE = 500
"""The most rows one page may hold, unless a list sets its own limit."""
TOTAL_COLUMN = "paging_total"
"""The column holding the count, with ``paginate(total_with_rows=True)``."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page (1-based) of a query's rows, and how many rows match in all."""

    rows: list[T]
    total: int
    page: int
    """The page shown: the one asked for, clamped to ``1..pages``."""
    page_size: int
    """Rows per page, after capping."""

    @property
    def pages(self) -> int:
        """How many pages there are; at least 1, so an empty result has an (empty) page 1."""
        return page_count(self.total, self.page_size)


def page_count(total: int, page_size: int) -> int:
    """Pages of ``page_size`` rows that ``total`` rows fill; at least 1."""
    return max(1, -(-total // page_size))


def paginate(
    connection: Connection,
    stmt: Select[Any],
    *,
    page: int,
    page_size: int,
    into: Callable[[Row[Any]], T],
    max_page_size: int = MAX_PAGE_SIZE,
    total_with_rows: bool = False,
) -> Page[T]:
    """Page ``page`` of ``stmt`` (which must be ordered, for a stable paging), each row turned
    into a ``T`` by ``into``.

    ``page_size`` is kept within ``1..max_page_size``; ``page`` within the pages that exist
    (below 1 gives the first, beyond the end the last). Two queries: the count of all rows
    ``stmt`` yields, then the page's rows. With ``total_with_rows``, one: the page's rows
    carry the count (``count(*) over ()``). That suits a list sorted by a figure computed for
    every row (the accounts at risk, by ARR), which the page query computes in full anyway;
    a list that an index can page must not use it (the count would read every row's columns).
    A page beyond the end then takes the two queries after the empty one.
    """
    page_size = min(max(1, page_size), max_page_size)
    page = max(1, page)
    if total_with_rows:
        counted_rows = stmt.add_columns(func.count().over().label(TOTAL_COLUMN))
        found = connection.execute(_page_of(counted_rows, page, page_size)).all()
        if found or page == 1:
            total = int(found[0]._mapping[TOTAL_COLUMN]) if found else 0
            return Page(
                rows=[into(row) for row in found], total=total, page=page, page_size=page_size
            )
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = int(connection.execute(counted).scalar_one())
    page = min(page, page_count(total, page_size))
    found = connection.execute(_page_of(stmt, page, page_size)).all()
    return Page(rows=[into(row) for row in found], total=total, page=page, page_size=page_size)


def _page_of(stmt: Select[Any], page: int, page_size: int) -> Select[Any]:
    return stmt.limit(page_size).offset((page - 1) * page_size)


def paginate_keys(
    connection: Connection,
    keys: Select[Any],
    *,
    page: int,
    page_size: int,
    load: Callable[[list[Any]], Sequence[T]],
    max_page_size: int = MAX_PAGE_SIZE,
) -> Page[T]:
    """Page ``page`` of a list paged by its keys first: ``keys`` selects each row's key as its
    first column, ordered as the list is, and is counted and paged as ``paginate`` does; then
    ``load`` reads the rows of that page's keys alone (given in list order; it returns the rows
    in that order, and may leave out a key whose row has gone).

    Keep ``keys`` narrow, joining only what its filters and its order need: the count and the
    OFFSET then walk that query alone, and the costly columns are read for one page of rows.
    On the Accounts list at 50,000 accounts this took it from 20-60 s to about a second
    (bench/README.md, "Health recompute and the Accounts page at scale L").
    """
    found = paginate(
        connection,
        keys,
        page=page,
        page_size=page_size,
        max_page_size=max_page_size,
        into=lambda row: row[0],
    )
    return Page(
        rows=list(load(found.rows)), total=found.total, page=found.page, page_size=found.page_size
    )
