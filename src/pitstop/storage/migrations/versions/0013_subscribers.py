"""Public subscribers to maintenance notices, each with a channel of its own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import Json, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("audience", sa.String(16), nullable=False,
                                   server_default="operators"))
    op.create_table(
        "subscribers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("services", Json),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("confirmed_at", UTCDateTime),
        sa.Column("created_ip", sa.String(64)),
        sa.Column("language", sa.String(16)),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE",
                                name="fk_subscribers_channel_id_channels"),
        sa.UniqueConstraint("channel_id", name="uq_subscribers_channel_id"),
        sa.UniqueConstraint("kind", "address", name="uq_subscribers_kind_address"),
    )


def downgrade() -> None:
    op.drop_table("subscribers")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("audience")
