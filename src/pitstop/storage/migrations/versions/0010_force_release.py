"""Who force-released a lease and why, so its holder's next heartbeat can say so.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.add_column(sa.Column("ended_by", sa.String(100)))
        batch.add_column(sa.Column("end_reason", sa.String(500)))


def downgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.drop_column("end_reason")
        batch.drop_column("ended_by")
