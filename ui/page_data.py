"""What the pages' caches are keyed by: the configured database, the data version of the
tables a page reads, and the moment its figures are computed at (``cs_data.data_versions``).

Every cached loader takes a ``DataKey`` first. An entry is then shared by every user and
every run until a write to one of those tables commits (on any replica: the version lives
in the database) or the ``as_of`` bucket ends, and a writer sees the change on the next run
without clearing any cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from cs_data import data_versions, stored_views
from cs_data.config import Settings
from cs_data.db import get_engine

CACHE_TTL_SECONDS = int(data_versions.AS_OF_BUCKET.total_seconds())
"""An entry outlives neither its bucket nor a change of data, so it is not kept longer."""
CACHE_MAX_ENTRIES = 200
"""Per loader: bounds the memory of entries (filter combinations, pages of tables)."""


@dataclass(frozen=True)
class DataKey:
    """The configured database and the summed data version of the tables a page reads."""

    database: str
    version: int


@dataclass(frozen=True)
class PageData:
    """This run's cache key and the moment to compute figures at."""

    key: DataKey
    as_of: datetime


def page_data(settings: Settings, tables: Iterable[str] | None = None) -> PageData:
    """The key and moment for a page reading ``tables`` (default: every table, so that a page
    is never stale for a table it forgot to name); one small read."""
    found = data_versions.stamp(get_engine(), tables)
    return PageData(DataKey(settings.database_url, found.version), found.as_of)


T = TypeVar("T")


def stored(name: str, result: Any, key: DataKey, *args: Any, compute: Callable[[], T]) -> T:
    """``compute()``, of type ``result``, done once for every process at ``key``'s version and
    ``args`` (``cs_data.stored_views``): a fresh process reads what another one computed. For
    a loader's body, under its own ``name``; ``key`` must always be of the same tables."""
    return stored_views.fetch_or_compute(get_engine(), name, result, (key.version, *args), compute)
