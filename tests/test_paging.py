"""cs_data.paging: one page of an ordered query, counted and clamped in SQL, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Select,
    Table,
    event,
    func,
    insert,
    select,
)

from cs_data.paging import Page, paginate, paginate_keys

NUMBERS = Table("numbers", MetaData(), Column("n", Integer, primary_key=True))
NEWEST_FIRST = select(NUMBERS.c.n).order_by(NUMBERS.c.n.desc())


@pytest.fixture
def numbers(empty_engine) -> Engine:
    """A table holding the numbers 1 to 7."""
    NUMBERS.metadata.create_all(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(insert(NUMBERS), [{"n": n} for n in range(1, 8)])
    return empty_engine


@pytest.fixture(params=[False, True], ids=["count then page", "total with rows"])
def page_of(request) -> Callable[..., Page[int]]:
    """Page through ``paginate`` either way (``total_with_rows``): both give the same pages."""

    def page_of(
        engine: Engine,
        stmt: Select = NEWEST_FIRST,
        *,
        page: int,
        page_size: int,
        max_page_size: int = 5,
    ) -> Page[int]:
        with engine.connect() as connection:
            return paginate(
                connection,
                stmt,
                page=page,
                page_size=page_size,
                max_page_size=max_page_size,
                into=lambda row: row[0],
                total_with_rows=request.param,
            )

    return page_of


def shown(result: Page[int]) -> tuple[list[int], int, int, int, int]:
    return result.rows, result.total, result.page, result.pages, result.page_size


def test_an_empty_result_is_one_empty_page(numbers, page_of):
    nothing = page_of(numbers, NEWEST_FIRST.where(NUMBERS.c.n > 99), page=3, page_size=2)
    assert shown(nothing) == ([], 0, 1, 1, 2)


def test_pages_follow_the_order_and_the_last_one_is_partial(numbers, page_of):
    assert shown(page_of(numbers, page=1, page_size=3)) == ([7, 6, 5], 7, 1, 3, 3)
    assert shown(page_of(numbers, page=2, page_size=3)) == ([4, 3, 2], 7, 2, 3, 3)
    assert shown(page_of(numbers, page=3, page_size=3)) == ([1], 7, 3, 3, 3)


@pytest.mark.parametrize(("asked", "page", "rows"), [(4, 3, [1]), (99, 3, [1]), (0, 1, [7, 6, 5])])
def test_a_page_beyond_either_end_is_clamped_to_the_nearest(numbers, page_of, asked, page, rows):
    result = page_of(numbers, page=asked, page_size=3)
    assert (result.page, result.rows, result.total) == (page, rows, 7)


def test_the_page_size_is_capped_and_at_least_one(numbers, page_of):
    assert shown(page_of(numbers, page=2, page_size=1000)) == ([2, 1], 7, 2, 2, 5)
    assert shown(page_of(numbers, page=1, page_size=0)) == ([7], 7, 1, 7, 1)


def test_the_total_counts_the_rows_the_query_yields_also_when_it_groups(numbers, page_of):
    rest = (NUMBERS.c.n % 3).label("rest")
    remainders = select(rest, func.count()).group_by(rest).order_by(rest)
    assert shown(page_of(numbers, remainders, page=2, page_size=2)) == ([2], 3, 2, 2, 2)


def test_with_rows_the_total_comes_in_the_page_query_alone(numbers):
    statements: list[str] = []
    event.listen(numbers, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with numbers.connect() as connection:
        found = paginate(
            connection, NEWEST_FIRST, page=2, page_size=3, into=lambda row: row[0],
            total_with_rows=True,
        )  # fmt: skip
    assert (found.rows, found.total, len(statements)) == ([4, 3, 2], 7, 1)


def keyed_page(engine: Engine, keys: Select, *, page: int, page_size: int):
    """``paginate_keys`` over ``keys``, loading a key ``n`` as ``"#n"``; also the calls of
    the loader."""
    loads: list[list[int]] = []

    def load(found: list[int]) -> list[str]:
        loads.append(found)
        return [f"#{n}" for n in found]

    with engine.connect() as connection:
        result = paginate_keys(
            connection, keys, page=page, page_size=page_size, max_page_size=5, load=load
        )
    return result, loads


def test_paging_by_keys_loads_the_rows_of_the_page_keys_alone(numbers):
    result, loads = keyed_page(numbers, NEWEST_FIRST, page=2, page_size=3)
    assert loads == [[4, 3, 2]]
    assert (result.rows, result.total, result.page, result.pages, result.page_size) == (
        ["#4", "#3", "#2"],
        7,
        2,
        3,
        3,
    )


def test_paging_by_keys_clamps_and_caps_as_paginate_does(numbers):
    result, loads = keyed_page(numbers, NEWEST_FIRST, page=99, page_size=1000)
    assert (loads, result.page, result.page_size) == ([[2, 1]], 2, 5)
    nothing, loads = keyed_page(numbers, NEWEST_FIRST.where(NUMBERS.c.n > 99), page=2, page_size=3)
    assert (loads, nothing.rows, nothing.total, nothing.page) == ([[]], [], 0, 1)


def test_paging_by_keys_takes_the_first_column_as_the_key_and_keeps_the_order(numbers):
    rest = (NUMBERS.c.n % 3).label("rest")
    by_rest = select(NUMBERS.c.n, rest).order_by(rest, NUMBERS.c.n)
    result, loads = keyed_page(numbers, by_rest, page=2, page_size=3)
    assert loads == [[4, 7, 2]]
    assert result.rows == ["#4", "#7", "#2"]
