"""Foundation: targets with their switches, audit history, tokens, leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from pitstop import clock
from pitstop.storage.types import BigId, Json, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    targets = op.create_table(
        "targets",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("labels", Json, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("maint_on", sa.Boolean, nullable=False),
        sa.Column("maint_reason", sa.Text),
        sa.Column("maint_actor", sa.String(100)),
        sa.Column("maint_since", UTCDateTime),
        sa.Column("maint_expires_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
    )
    now = clock.now()
    op.bulk_insert(
        targets,
        [
            {
                "id": "platform", "kind": "platform", "name": "platform", "labels": {},
                "created_at": now, "updated_at": now, "version": 1, "maint_on": False,
            }
        ],
    )
    op.create_table(
        "audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(80)),
        sa.Column("reason", sa.Text),
        sa.Column("details", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    op.create_index("ix_audit_target_id", "audit", ["target", "id"])
    op.create_index("ix_audit_action_id", "audit", ["action", "id"])
    op.create_index("ix_audit_actor_id", "audit", ["actor", "id"])
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.UniqueConstraint("hash", name="uq_tokens_hash"),
    )
    op.create_index(
        "uq_tokens_active_name", "tokens", ["name"], unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "leases",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(100)),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("expected_end", UTCDateTime),
        sa.Column("ttl_s", sa.Integer, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ended_at", UTCDateTime),
        sa.Column("duration_s", sa.Float),
        sa.PrimaryKeyConstraint("id", name="pk_leases"),
        sa.ForeignKeyConstraint(
            ["target"], ["targets.id"], name="fk_leases_target_targets"
        ),
    )
    op.create_index("ix_leases_state_expires_at", "leases", ["state", "expires_at"])
    op.create_index("ix_leases_kind_state_ended_at", "leases", ["kind", "state", "ended_at"])


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("uq_tokens_active_name", table_name="tokens")
    op.drop_table("tokens")
    op.drop_table("audit")
    op.drop_table("targets")
