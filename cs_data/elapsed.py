"""``elapsed_ms(start, end)``: whole milliseconds between two timestamp columns, in SQL that
gives the same number on SQLite and PostgreSQL (and may define a generated column)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class elapsed_ms(FunctionElement[int]):
    """Whole milliseconds from the first timestamp to the second (null if either is null)."""

    type = BigInteger()
    name = "elapsed_ms"
    inherit_cache = True


@compiles(elapsed_ms, "postgresql")
def _elapsed_ms_postgresql(element: elapsed_ms, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) * 1000) AS BIGINT)"


@compiles(elapsed_ms, "sqlite")
def _elapsed_ms_sqlite(element: elapsed_ms, compiler: Any, **kw: Any) -> str:
    # julianday keeps whole milliseconds; rounding the scaled difference recovers them exactly
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400000.0) AS INTEGER)"
