from __future__ import annotations

from cs_data import demo, schema
from cs_data.bootstrap import prepare_database
from cs_data.config import load_settings
from cs_data.db import create_engine_for


def test_embedded_empty_database_is_migrated_and_seeded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, tmp_path / "no-secrets.toml")
    engine = create_engine_for(settings.database_url)
    try:
        first = prepare_database(engine, settings)
        second = prepare_database(engine, settings)
    finally:
        engine.dispose()

    assert settings.is_embedded
    assert (tmp_path / "data" / "cockpit.db").is_file()
    assert first.upgraded and first.upgraded_from is None
    assert first.seeded is not None and first.seeded.scale == "S"
    assert first.seeded.counts["accounts"] == demo.SCALES["S"].accounts
    assert not second.upgraded and second.seeded is None


def test_configured_database_is_migrated_but_never_seeded(db_url, empty_engine, tmp_path):
    settings = load_settings({"CS_DATABASE_URL": db_url}, tmp_path / "no-secrets.toml")

    report = prepare_database(empty_engine, settings)

    assert report.upgraded and report.seeded is None
    assert schema.current_revision(empty_engine) == schema.head_revision()
    assert demo.is_empty(empty_engine)
