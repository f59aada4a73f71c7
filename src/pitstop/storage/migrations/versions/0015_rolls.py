"""Rolling maintenance (rolls and their steps) and disruption budgets.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import Json, UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disruption_budgets",
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("selector", Json, nullable=False),
        sa.Column("max_unavailable", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_disruption_budgets"),
    )
    op.create_table(
        "rolls",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("selector", Json, nullable=False),
        sa.Column("max_unavailable", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("command", Json, nullable=False),
        sa.Column("check", sa.Text),
        sa.Column("driver", sa.String(64)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rolls"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "roll_steps",
        sa.Column("roll_id", sa.Integer, nullable=False),
        sa.Column("node", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("message", sa.Text),
        sa.Column("command_ok_at", UTCDateTime),
        sa.PrimaryKeyConstraint("roll_id", "node", name="pk_roll_steps"),
        sa.ForeignKeyConstraint(["roll_id"], ["rolls.id"], ondelete="CASCADE",
                                name="fk_roll_steps_roll_id_rolls"),
    )


def downgrade() -> None:
    op.drop_table("roll_steps")
    op.drop_table("rolls")
    op.drop_table("disruption_budgets")
