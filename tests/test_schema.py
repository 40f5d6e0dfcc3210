from __future__ import annotations

from sqlalchemy import inspect

from cs_data import schema
from cs_data.models import Base


def test_upgrade_from_empty_creates_every_model_table(empty_engine):
    assert schema.current_revision(empty_engine) is None

    schema.upgrade(empty_engine)

    assert schema.current_revision(empty_engine) == schema.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_is_idempotent_and_downgrade_empties(empty_engine):
    schema.upgrade(empty_engine)
    schema.upgrade(empty_engine)
    schema.downgrade(empty_engine, "base")

    remaining = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()


def test_models_match_migrations(engine):
    """Autogenerate finds nothing to do: the migrations create exactly what the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
