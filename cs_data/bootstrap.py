"""What the app does to its database on start: migrate, and seed demo data when embedded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from cs_data import demo, schema
from cs_data.auth import operator
from cs_data.config import Settings
from cs_data.progress import ProgressCallback


@dataclass(frozen=True)
class StartupReport:
    """What ``prepare_database`` changed: the revision it upgraded from, and any demo seeding."""

    upgraded_from: str | None
    upgraded: bool
    seeded: demo.DemoSummary | None


def needs_seeding(engine: Engine, settings: Settings) -> bool:
    """True when the embedded default database holds no accounts and auto-seeding is on."""
    return settings.is_embedded and settings.auto_seed_scale is not None and demo.is_empty(engine)


def prepare_database(
    engine: Engine,
    settings: Settings,
    *,
    progress: ProgressCallback | None = None,
    seed: bool = True,
) -> StartupReport:
    """Upgrade the schema to the newest revision; seed demo data into an empty embedded database
    (unless not ``seed``: then ``needs_seeding`` tells whether it still needs it).

    A configured (shared) database is never seeded: it holds real data or is filled by import.
    """
    before = schema.current_revision(engine)
    upgraded = before != schema.head_revision()
    if upgraded:
        schema.upgrade(engine)
    seeded = None
    if seed and needs_seeding(engine, settings):
        seeded = demo.generate(
            engine, operator(), scale=settings.auto_seed_scale, progress=progress
        )
    return StartupReport(upgraded_from=before, upgraded=upgraded, seeded=seeded)
