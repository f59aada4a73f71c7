"""A switch's holders: who holds a target's maintenance, why, and what the public may read.

A switch stored before this revision has one holder, read from its ``maint_*`` columns
(see ``services.records.switch_from_row``), so no row needs rewriting.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from pitstop.storage.types import Json

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("maint_holds", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("maint_holds")
