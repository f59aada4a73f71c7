"""Deliveries get a subject (the target or window a fact is about), so that per channel one
subject's notifications go out in the order of the facts, an index to find the oldest
pending one of each subject, and ``held_since``: when a failure ahead of a waiting one first
held it back (its wait is bounded from then).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def subject_of(dedupe_key: str) -> str | None:
    """The subject of a row written before this revision, from its dedupe key:
    ``maintenance:<target>:<kind>:<event id>`` or ``window:<id>:...`` (tests: none)."""
    if dedupe_key.startswith("maintenance:"):
        return "target:" + dedupe_key.removeprefix("maintenance:").rsplit(":", 2)[0]
    if dedupe_key.startswith("window:"):
        return "window:" + dedupe_key.split(":")[1]
    return None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("subject", sa.String(160)))
        batch.add_column(sa.Column("held_since", UTCDateTime))
    deliveries = sa.table("deliveries", sa.column("id"), sa.column("dedupe_key"),
                          sa.column("subject"))
    bind = op.get_bind()
    rows = bind.execute(sa.select(deliveries.c.id, deliveries.c.dedupe_key)).all()
    values = [{"row_id": r.id, "subject": s} for r in rows
              if (s := subject_of(r.dedupe_key)) is not None]
    if values:
        bind.execute(deliveries.update().where(deliveries.c.id == sa.bindparam("row_id"))
                     .values(subject=sa.bindparam("subject")), values)
    op.create_index("ix_deliveries_pending_subject", "deliveries",
                    ["channel_id", "subject", "id"], sqlite_where=PENDING,
                    postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_deliveries_pending_subject", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("held_since")
        batch.drop_column("subject")
