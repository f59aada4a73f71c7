"""Updates posted during a maintenance: to a window's occurrence, or to a target's switch.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import BigId, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_updates",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("window_id", sa.Integer),
        sa.Column("occurrence_id", sa.Integer),
        sa.Column("target", sa.String(80)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_updates"),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrences.id"], ondelete="CASCADE",
                                name="fk_maintenance_updates_occurrence_id_occurrences"),
        sa.CheckConstraint("(occurrence_id IS NULL) <> (target IS NULL)",
                           name="ck_maintenance_updates_one_subject"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_maintenance_updates_occurrence_id_id", "maintenance_updates",
                    ["occurrence_id", "id"])
    op.create_index("ix_maintenance_updates_target_created_at", "maintenance_updates",
                    ["target", "created_at"])


def downgrade() -> None:
    op.drop_table("maintenance_updates")
