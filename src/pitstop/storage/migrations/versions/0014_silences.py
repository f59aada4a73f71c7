"""Alertmanager silences: the rules, and the silences pitstop wants.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import BigId, Json, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silence_rules",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("selector", Json, nullable=False),
        sa.Column("matchers", Json, nullable=False),
        sa.Column("padding_s", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_silence_rules"),
        sa.UniqueConstraint("name", name="uq_silence_rules_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "silences",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("live_key", sa.String(240)),
        sa.Column("rule_id", sa.Integer, nullable=False),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("cause", sa.String(120), nullable=False),
        sa.Column("matchers", Json, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("ends_at", UTCDateTime),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("synced", sa.Boolean, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("am_id", sa.String(64)),
        sa.Column("am_ends_at", UTCDateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_silences"),
        sa.UniqueConstraint("live_key", name="uq_silences_live_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_silences_target", "silences", ["target"])
    op.create_index("ix_silences_synced_next_attempt_at", "silences",
                    ["synced", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("silences")
    op.drop_table("silence_rules")
