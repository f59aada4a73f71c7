"""Alembic environment: runs on the connection pitstop hands in (see pitstop.storage.migrate)."""

from __future__ import annotations

from alembic import context

from pitstop.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `pitstop db upgrade` (pitstop.storage.migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
