"""Alembic environment: runs on the connection handed over by ``cs_data.schema``."""

from __future__ import annotations

from alembic import context

from cs_data.models import Base, UTCDateTime


def render_item(type_: str, obj, autogen_context):
    """Render project column types as plain SQLAlchemy types, so migrations stay frozen."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
