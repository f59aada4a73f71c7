"""Nodes: an agent's desired config and what it reports; agent tokens bound to a node.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import Json, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("node", sa.String(80)))
    op.create_table(
        "nodes",
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("config", Json, nullable=False),
        sa.Column("config_updated_at", UTCDateTime, nullable=False),
        sa.Column("config_updated_by", sa.String(100), nullable=False),
        sa.Column("agent_version", sa.String(100)),
        sa.Column("running", Json, nullable=False),
        sa.Column("reported_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("target", name="pk_nodes"),
        sa.ForeignKeyConstraint(["target"], ["targets.id"], ondelete="CASCADE",
                                name="fk_nodes_target_targets"),
    )


def downgrade() -> None:
    op.drop_table("nodes")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("node")
