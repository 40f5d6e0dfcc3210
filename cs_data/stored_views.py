"""Figures computed once and kept in the database, for every app process to read.

A page's loader keeps its figures in the process's memory (Streamlit's cache); a fresh
process (a restart, a new replica) would compute them again, and the first person to open the
page would wait for that. ``fetch_or_compute`` keeps a page's figures in ``stored_views`` as
well, under a digest of this package's code, the data version and the arguments (the moment
they stand on among them), so any process finds them there as long as nothing they depend on
changed: one small read by primary key instead of the computation.

The figures are stored as JSON, typed by the result's annotations (dataclasses, named tuples,
lists, tuples, dicts, dates, and data frames with a plain index), never pickled: what a
database holds is not code to run. A result the codec cannot store faithfully is computed and
returned as usual, and not stored. Rows older than ``KEPT_FOR`` are deleted as new ones are
written; the table holds no data of record, so any row may be deleted at any time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from cs_data.models import StoredView, utc_now

T = TypeVar("T")

KEPT_FOR = timedelta(days=1)
"""How long a stored view is kept (a view is keyed by its moment, which moves every bucket)."""
STORE_WAIT_MS = 200
"""How long storing waits for SQLite's write lock (an import may hold it for minutes): a view
not stored is computed again by the next process, while a page waiting here waits for nothing."""
log = logging.getLogger(__name__)

_SCALARS = (bool, int, float, str)


def fetch_or_compute(
    engine: Engine, name: str, result: Any, key: tuple[Any, ...], compute: Callable[[], T]
) -> T:
    """The view ``name`` at ``key`` (the data version and arguments it stands on), of type
    ``result``: read from ``stored_views`` when a process stored it, else ``compute()``d and
    stored. The database failing to read or store only costs the computation."""
    digest = view_key(name, key)
    try:
        with engine.connect() as connection:
            payload = connection.scalar(
                select(StoredView.payload).where(StoredView.name == name, StoredView.key == digest)
            )
    except SQLAlchemyError:
        log.warning("reading the stored view %s failed", name, exc_info=True)
        payload = None
    if payload is not None:
        try:
            return decode(result, json.loads(payload))
        except (TypeError, ValueError, KeyError):
            log.warning("the stored view %s does not decode; computing it", name, exc_info=True)
    value = compute()
    try:
        payload = json.dumps(encode(result, value), separators=(",", ":"))
    except (TypeError, ValueError):
        log.warning("the view %s cannot be stored as JSON", name, exc_info=True)
        return value
    _store(engine, name, digest, payload)
    return value


def view_key(name: str, key: tuple[Any, ...]) -> str:
    """The digest a view is stored under: this package's code, the view's name and ``key``."""
    parts = [code_version(), name, [_key_part(part) for part in key]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@cache
def code_version() -> str:
    """A digest of this package's Python sources: figures computed by other code (another
    release, a fixed formula) are never read."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _key_part(part: Any) -> Any:
    if isinstance(part, (date, datetime)):
        return part.isoformat()
    if part is None or isinstance(part, _SCALARS):
        return part
    if isinstance(part, tuple):
        return [_key_part(item) for item in part]
    raise TypeError(f"a stored view's key cannot hold {type(part).__name__}")


def _store(engine: Engine, name: str, digest: str, payload: str) -> None:
    now = utc_now()
    try:
        with engine.begin() as connection, _short_lock_wait(connection):
            connection.execute(delete(StoredView).where(StoredView.computed_at < now - KEPT_FOR))
            connection.execute(
                StoredView.__table__.insert().values(
                    name=name, key=digest, payload=payload, computed_at=now
                )
            )
    except IntegrityError:
        pass  # another process stored the same figures first
    except SQLAlchemyError:
        log.warning("storing the view %s failed", name, exc_info=True)


@contextmanager
def _short_lock_wait(connection: Connection) -> Iterator[None]:
    """On SQLite, wait at most ``STORE_WAIT_MS`` for the write lock in this transaction."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout={STORE_WAIT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(before)}")


def encode(hint: Any, value: Any) -> Any:
    """``value``, of type ``hint``, as JSON values; TypeError when it cannot be decoded back
    to an equal value."""
    origin = get_origin(hint) or hint
    if hint is Any:
        return _plain(value)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        return encode(_one_type(hint), value)
    if value is None:
        raise TypeError(f"None where {hint} was expected")
    if origin in (list, tuple):
        items = get_args(hint)
        if origin is tuple and not (len(items) == 2 and items[1] is Ellipsis):
            return [encode(item, part) for item, part in zip(items, value, strict=True)]
        return [encode(items[0], part) for part in value]
    if origin is dict:
        key_type, value_type = get_args(hint)
        if key_type is not str:
            raise TypeError("only dicts keyed by str are stored")
        return {key: encode(value_type, part) for key, part in value.items()}
    if origin is datetime or origin is date:
        return value.isoformat()
    if origin is pd.DataFrame:
        return _encode_frame(value)
    if origin in _SCALARS:
        return _plain(value)
    return {name: encode(field_type, getattr(value, name)) for name, field_type in _fields(hint)}


def decode(hint: Any, data: Any) -> Any:
    """The value of type ``hint`` that ``encode`` made ``data`` of."""
    origin = get_origin(hint) or hint
    if hint is Any:
        return data
    if origin in (Union, types.UnionType):
        return None if data is None else decode(_one_type(hint), data)
    if origin in (list, tuple):
        items = get_args(hint)
        if origin is tuple and not (len(items) == 2 and items[1] is Ellipsis):
            return tuple(decode(item, part) for item, part in zip(items, data, strict=True))
        decoded = [decode(items[0], part) for part in data]
        return decoded if origin is list else tuple(decoded)
    if origin is dict:
        return {key: decode(get_args(hint)[1], part) for key, part in data.items()}
    if origin is datetime:
        return datetime.fromisoformat(data)
    if origin is date:
        return date.fromisoformat(data)
    if origin is pd.DataFrame:
        return _decode_frame(data)
    if origin in _SCALARS:
        if not isinstance(data, _SCALARS):
            raise TypeError(f"{data!r} is not a {origin.__name__}")
        return data
    return origin(**{name: decode(field_type, data[name]) for name, field_type in _fields(hint)})


def _one_type(hint: Any) -> Any:
    """The one type of ``X | None`` (a union of more types cannot be told apart in JSON)."""
    others = [arg for arg in get_args(hint) if arg is not type(None)]
    if len(others) != 1:
        raise TypeError(f"{hint} is ambiguous in JSON")
    return others[0]


def _fields(hint: Any) -> list[tuple[str, Any]]:
    """The fields of a dataclass or named tuple ``hint`` with their types (a generic one's
    type variables bound to ``hint``'s arguments)."""
    origin = get_origin(hint) or hint
    annotations = get_type_hints(origin)
    bound = dict(zip(getattr(origin, "__parameters__", ()), get_args(hint), strict=False))
    if dataclasses.is_dataclass(origin):
        names = [field.name for field in dataclasses.fields(origin) if field.init]
    elif isinstance(origin, type) and issubclass(origin, tuple) and hasattr(origin, "_fields"):
        names = list(origin._fields)
    else:
        raise TypeError(f"{hint} is not stored")
    return [(name, _bind(annotations[name], bound)) for name in names]


def _bind(hint: Any, bound: dict[Any, Any]) -> Any:
    if isinstance(hint, TypeVar):
        return bound[hint]
    args = get_args(hint)
    if not args or not bound:
        return hint
    origin = get_origin(hint)
    bound_args = tuple(_bind(arg, bound) for arg in args)
    if origin in (Union, types.UnionType):
        return Union[bound_args]  # noqa: UP007 (built from a tuple of types)
    return origin[bound_args]


def _plain(value: Any) -> Any:
    """A JSON scalar (a NumPy scalar as its Python value); TypeError for anything else."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, _SCALARS):
        return value
    raise TypeError(f"{type(value).__name__} is not a JSON scalar")


_FRAME_KINDS = ("i", "u", "f", "b", "M", "O")
"""NumPy dtype kinds a stored frame's columns may have (integers, floats, booleans, naive
datetimes, and objects holding JSON scalars)."""


def _encode_frame(frame: pd.DataFrame) -> dict[str, Any]:
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        raise TypeError("only frames with a plain index are stored")
    columns = []
    for name in frame.columns:
        column = frame[name]
        if not isinstance(name, str) or column.dtype.kind not in _FRAME_KINDS:
            raise TypeError(f"column {name!r} of dtype {column.dtype} is not stored")
        if column.dtype.kind == "M":
            values = [None if pd.isna(v) else v.isoformat() for v in column]
        elif column.dtype.kind == "f":
            values = [None if math.isnan(v) else float(v) for v in column]
        else:
            values = [_plain(v) for v in column]
        columns.append({"name": name, "dtype": str(column.dtype), "values": values})
    encoded = {"columns": columns}
    decoded = _decode_frame(encoded)
    if not (decoded.equals(frame) and list(decoded.dtypes) == list(frame.dtypes)):
        raise TypeError("the frame does not survive JSON")
    return encoded


def _decode_frame(data: dict[str, Any]) -> pd.DataFrame:
    columns = {
        column["name"]: pd.Series(column["values"], dtype=column["dtype"])
        for column in data["columns"]
    }
    return pd.DataFrame(columns, columns=[column["name"] for column in data["columns"]])
