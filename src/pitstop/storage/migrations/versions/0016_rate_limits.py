"""Rate limits every replica shares: the recent hits of each limited key.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import Json, UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("hits", Json, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limits"),
    )
    op.create_index("ix_rate_limits_updated_at", "rate_limits", ["updated_at"])


def downgrade() -> None:
    op.drop_table("rate_limits")
