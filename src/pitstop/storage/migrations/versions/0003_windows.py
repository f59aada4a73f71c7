"""Windows and their occurrences; a service's realtime status on its target row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import Json, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("rt_status", sa.String(10)))
        batch.add_column(sa.Column("rt_message", sa.Text))
        batch.add_column(sa.Column("rt_at", UTCDateTime))
        batch.add_column(sa.Column("rt_by", sa.String(100)))
    op.create_table(
        "windows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("start_local", sa.String(19), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("duration_s", sa.Integer, nullable=False),
        sa.Column("rrule", sa.Text),
        sa.Column("affects", Json, nullable=False),
        sa.Column("gates_work", sa.Boolean, nullable=False),
        sa.Column("ready_lead_s", sa.Integer, nullable=False),
        sa.Column("reminders", Json, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("cursor_local", sa.String(19)),
        sa.Column("cursor_generated", sa.Integer, nullable=False),
        sa.Column("exhausted", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_windows"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "occurrences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("window_id", sa.Integer, nullable=False),
        sa.Column("recurrence_id", UTCDateTime, nullable=False),
        sa.Column("start", UTCDateTime, nullable=False),
        sa.Column("end", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_occurrences"),
        sa.ForeignKeyConstraint(["window_id"], ["windows.id"], ondelete="CASCADE",
                                name="fk_occurrences_window_id_windows"),
        sa.UniqueConstraint("window_id", "recurrence_id",
                            name="uq_occurrences_window_id_recurrence_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_occurrences_status_start", "occurrences", ["status", "start"])
    op.create_index("ix_occurrences_window_id_start", "occurrences", ["window_id", "start"])


def downgrade() -> None:
    op.drop_table("occurrences")
    op.drop_table("windows")
    with op.batch_alter_table("targets") as batch:
        for column in ("rt_by", "rt_at", "rt_message", "rt_status"):
            batch.drop_column(column)
