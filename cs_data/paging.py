"""Paging in SQL, written once: count what a query matches, clamp the page to the pages that
exist, and fetch that one page with LIMIT/OFFSET.

Every paged list (the audit log, breached tickets, survey responses, churned accounts) calls
``paginate`` and returns a ``Page`` of its own row type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Row, Select, func, select

T = TypeVar("T")

MAX_PAGE_SIZE = 500
"""The most rows one page may hold, unless a list sets its own limit."""


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
) -> Page[T]:
    """Page ``page`` of ``stmt`` (which must be ordered, for a stable paging), each row turned
    into a ``T`` by ``into``.

    ``page_size`` is kept within ``1..max_page_size``; ``page`` within the pages that exist
    (below 1 gives the first, beyond the end the last). Two queries: the count of all rows
    ``stmt`` yields, then the page's rows.
    """
    page_size = min(max(1, page_size), max_page_size)
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = int(connection.execute(counted).scalar_one())
    page = min(max(1, page), page_count(total, page_size))
    found = connection.execute(stmt.limit(page_size).offset((page - 1) * page_size))
    return Page(rows=[into(row) for row in found], total=total, page=page, page_size=page_size)
