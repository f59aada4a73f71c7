"""Leases lose the (kind, state, ended_at) index: no query can use it, and every lease
admission and release paid for keeping it.

Every query on leases filters by id or by state first (admission, release, expiry, the
in-flight list, the recent durations at start — whose plan on both databases is the
(state, expires_at) index and a sort, with or without this one). Keeping it cost one more
B-tree page written per admission and per release.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_leases_kind_state_ended_at", table_name="leases")


def downgrade() -> None:
    op.create_index("ix_leases_kind_state_ended_at", "leases", ["kind", "state", "ended_at"])
