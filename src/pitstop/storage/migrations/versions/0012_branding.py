"""Branding of the public side (title, accent, about, logo) and service groups.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_settings",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("blob", sa.LargeBinary, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_page_settings"),
    )
    op.create_table(
        "service_groups",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_groups"),
        sa.UniqueConstraint("name", name="uq_service_groups_name"),
    )
    op.create_table(
        "service_group_members",
        sa.Column("service", sa.String(80), nullable=False),
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("service", name="pk_service_group_members"),
        sa.ForeignKeyConstraint(["group_id"], ["service_groups.id"], ondelete="CASCADE",
                                name="fk_service_group_members_group_id_service_groups"),
    )


def downgrade() -> None:
    op.drop_table("service_group_members")
    op.drop_table("service_groups")
    op.drop_table("page_settings")
