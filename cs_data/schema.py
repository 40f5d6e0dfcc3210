"""Schema migrations (Alembic): upgrade a database, inspect its revision, write a new one.

Alembic is imported only to change a database: every start of the app asks whether the
database is at the newest revision, and answering that needs neither Alembic (a quarter of a
second of a fresh process's imports) nor its reading of every migration script.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, column, inspect, select, table

from cs_data.data_versions import untracked

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = table("alembic_version", column("version_num"))
"""Where Alembic keeps the revision a database is at."""


def _config(connection=None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this code knows: the highest revision of the migration files,
    each named ``<revision>_<what it does>.py`` with a revision that sorts by age (a test
    checks that Alembic finds the same head)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("*.py"))


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at; None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE.name):
            return None
        return connection.execute(select(VERSION_TABLE.c.version_num)).scalar_one_or_none()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest), in one transaction."""
    from alembic import command

    with engine.begin() as connection, untracked(connection):
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Step the database back to ``revision`` (``base`` empties it)."""
    from alembic import command

    with engine.begin() as connection, untracked(connection):
        command.downgrade(_config(connection), revision)


def write_revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration from the difference between the models and the database."""
    from alembic import command

    with engine.begin() as connection, untracked(connection):
        command.revision(
            _config(connection),
            message=message,
            autogenerate=True,
            rev_id=f"{int(head_revision()) + 1:04d}",  # the files' order, as head_revision reads it
        )
