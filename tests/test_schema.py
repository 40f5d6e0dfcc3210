from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from cs_data import schema
from cs_data.db import create_engine_for
from cs_data.models import Base
from tests.databases import fresh_database_url, migrate

POSTGRES_SCHEMA_PARTS = (
    "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length,"
    " numeric_precision, numeric_scale, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 3",
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2",
    "SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences"
    " WHERE sequence_schema = current_schema() ORDER BY 1",
)
"""What a PostgreSQL schema consists of: columns, indexes, constraints, sequences."""


def test_upgrade_from_empty_creates_every_model_table(empty_engine):
    assert schema.current_revision(empty_engine) is None

    schema.upgrade(empty_engine)

    assert schema.current_revision(empty_engine) == schema.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_the_head_read_from_file_names_is_alembics_head():
    """``head_revision`` reads the migration files' names, not the scripts: every file is
    named after its revision, and the highest name is the head Alembic finds."""
    scripts = ScriptDirectory(str(schema.MIGRATIONS_DIR))

    for script in scripts.walk_revisions():
        assert Path(script.path).name.startswith(f"{script.revision}_"), script.path
    assert schema.head_revision() == scripts.get_current_head()


def test_upgrade_is_idempotent_and_downgrade_empties(empty_engine):
    schema.upgrade(empty_engine)
    schema.upgrade(empty_engine)
    schema.downgrade(empty_engine, "base")

    remaining = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()


def test_models_match_migrations(empty_engine):
    """Autogenerate finds nothing to do: the migrations create exactly what the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    schema.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def sqlite_definition(sql: str | None) -> str | None:
    """A ``CREATE`` statement of SQLite's catalogue with its constraints in name order: the
    migrations' table rebuilds on SQLite write them in an order that differs from run to run."""
    if sql is None:
        return None
    lines = [line.strip().rstrip(",") for line in sql.splitlines()]
    columns = [line for line in lines if not line.startswith("CONSTRAINT ")]
    return "\n".join([*columns, *sorted(set(lines) - set(columns))])


def schema_and_rows(engine: Engine) -> list[str]:
    """Every table, column, index, constraint (and sequence) of the database and every row,
    written without the name of the database or schema."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            catalogue = "SELECT type, name, tbl_name, sql FROM sqlite_master"
            found = [
                f"{catalogue}: {(*row[:3], sqlite_definition(row[3]))!r}"
                for row in connection.execute(text(catalogue))
            ]
            own_name = None
        else:
            found = [
                f"{part}: {row!r}"
                for part in POSTGRES_SCHEMA_PARTS
                for row in connection.execute(text(part))
            ]
            own_name = connection.execute(text("SELECT current_schema()")).scalar_one()
        tables = [f'SELECT * FROM "{table}"' for table in inspect(connection).get_table_names()]
        found += [f"{part}: {row!r}" for part in tables for row in connection.execute(text(part))]
    return sorted(line.replace(own_name, "<schema>") if own_name else line for line in found)


def test_the_tests_quick_migration_gives_what_the_migrations_give(empty_engine, tmp_path):
    """Most tests start from ``tests.databases.migrate``'s copy of a migrated database: it is
    the same schema, down to the last index and constraint, and the same rows."""
    schema.upgrade(empty_engine)
    with fresh_database_url(empty_engine.dialect.name, tmp_path) as url:
        copy = create_engine_for(url)
        try:
            assert schema.current_revision(copy) is None
            migrate(copy)
            assert schema.current_revision(copy) == schema.head_revision()
            migrated = schema_and_rows(empty_engine)
            assert any("CREATE INDEX" in line for line in migrated)
            assert schema_and_rows(copy) == migrated
        finally:
            copy.dispose()
