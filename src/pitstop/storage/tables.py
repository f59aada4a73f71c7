"""Table definitions (SQLAlchemy Core); the migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from pitstop.storage.types import BigId, Json, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# A target and its manual switch. The switch lives on the target's row so that enter (row
# lock for update) and lease admission (row lock for share) serialize on the same rows.
targets = Table(
    "targets",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(63), nullable=False),
    Column("labels", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("maint_on", Boolean, nullable=False),
    Column("maint_reason", Text),
    Column("maint_actor", String(100)),
    Column("maint_since", UTCDateTime),
    Column("maint_expires_at", UTCDateTime),
    # Everyone holding the switch, oldest first (0008); the maint_* columns above summarise
    # them (the first hold, and when the last one ends) for lease admission's row read.
    Column("maint_holds", Json),
    # A service's realtime status, as its monitor last reported it (0003).
    Column("rt_status", String(10)),
    Column("rt_message", Text),
    Column("rt_at", UTCDateTime),
    Column("rt_by", String(100)),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(80)),
    Column("reason", Text),
    Column("details", Json, nullable=False),
    Index("ix_audit_target_id", "target", "id"),
    Index("ix_audit_action_id", "action", "id"),
    Index("ix_audit_actor_id", "actor", "id"),
    Index("ix_audit_at", "at"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("node", String(80)),  # role agent: the node (target id) it is bound to (0004)
    Index(
        "uq_tokens_active_name",
        "name",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

leases = Table(
    "leases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("target", String(80), ForeignKey("targets.id"), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("phase", String(100)),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expected_end", UTCDateTime),
    Column("ttl_s", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # active | released | lost | force_released
    Column("ended_at", UTCDateTime),
    Column("duration_s", Float),
    Column("ended_by", String(100)),  # the admin who force-released it
    Column("end_reason", String(500)),  # and why
    Index("ix_leases_state_expires_at", "state", "expires_at"),
)

# Planned maintenance. ``start_local`` is the wall-clock start in ``timezone``; the cursor is
# where the horizon refresh stopped expanding the rule (last local start, how many so far).
windows = Table(
    "windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("start_local", String(19), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("duration_s", Integer, nullable=False),
    Column("rrule", Text),
    Column("affects", Json, nullable=False),
    Column("gates_work", Boolean, nullable=False),
    Column("ready_lead_s", Integer, nullable=False),
    Column("reminders", Json, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("status", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("cursor_local", String(19)),
    Column("cursor_generated", Integer, nullable=False),
    Column("exhausted", Boolean, nullable=False),
    sqlite_autoincrement=True,
)

# One instance of a window. The recurrence id (the original start) is its identity within
# the window: a moved occurrence keeps it, a deleted one stays as a tombstone, so neither is
# ever generated again.
occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("window_id", Integer, ForeignKey("windows.id", ondelete="CASCADE"), nullable=False),
    Column("recurrence_id", UTCDateTime, nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("status", String(10), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("reminded_lead_s", Integer),  # the smallest reminder lead sent so far (0006)
    UniqueConstraint("window_id", "recurrence_id"),
    Index("ix_occurrences_status_start", "status", "start"),
    Index("ix_occurrences_window_id_start", "window_id", "start"),
    sqlite_autoincrement=True,
)

# A registered agent's node (the target ``node:<name>``): the config the platform wants it to
# run, and what its agent last reported.
nodes = Table(
    "nodes",
    metadata,
    Column("target", String(80), ForeignKey("targets.id", ondelete="CASCADE"),
           primary_key=True),
    Column("config", Json, nullable=False),
    Column("config_updated_at", UTCDateTime, nullable=False),
    Column("config_updated_by", String(100), nullable=False),
    Column("agent_version", String(100)),
    Column("running", Json, nullable=False),
    Column("reported_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

# The event log behind the live stream: ids only grow (event-writing transactions serialize
# on PostgreSQL, see storage.events), so "everything after id N" is exact.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("type", String(64), nullable=False),
    Column("target", String(80)),
    Column("data", Json, nullable=False),
    Index("ix_events_at", "at"),
    sqlite_autoincrement=True,
)

# Where notifications go. ``url`` (apprise URLs carry credentials) and ``secret`` (the
# webhook's HMAC key) are never returned by the API.
channels = Table(
    "channels",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # webhook | apprise
    Column("url", Text, nullable=False),
    Column("secret", Text),
    Column("timeout_s", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    # operators | public (0013): a public subscriber's own channel, never listed with the
    # operators' channels, and sent public text only.
    Column("audience", String(16), nullable=False, server_default="operators"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False),
    Column("events", Json, nullable=False),  # notification kinds
    Column("target", String(80)),
    Column("window_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
)

# The outbox: one row per (notification, channel), written in the transaction of the change.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(120), nullable=False),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False),
    Column("event_id", BigId),
    Column("kind", String(32), nullable=False),
    Column("message", Json, nullable=False),
    Column("status", String(10), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("last_error", Text),
    # What the fact is about ("target:platform", "window:12"): per channel, one subject's
    # pending deliveries go out one at a time, oldest first. None: ordered with nothing.
    Column("subject", String(160)),
    Column("held_since", UTCDateTime),  # first failure ahead of it, while it waited
    UniqueConstraint("dedupe_key", "channel_id"),
    Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_deliveries_pending_subject", "channel_id", "subject", "id",
          sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    sqlite_autoincrement=True,
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", BigId, ForeignKey("deliveries.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_delivery_attempts_delivery_id", "delivery_id"),
)

# Keys generated once and shared by every replica (the console's session signing key).
server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# What operators tell the public during a maintenance (0011): about one occurrence of a
# window, or about a target's switch maintenance (the one current when it was posted).
maintenance_updates = Table(
    "maintenance_updates",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("window_id", Integer),
    Column("occurrence_id", Integer, ForeignKey("occurrences.id", ondelete="CASCADE")),
    Column("target", String(80)),
    Column("status", String(16), nullable=False),  # scheduled | in_progress | verifying | completed
    Column("body", Text, nullable=False),  # the source text (markdown); rendered on output
    Column("created_at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    CheckConstraint("(occurrence_id IS NULL) <> (target IS NULL)",
                    name="ck_maintenance_updates_one_subject"),
    Index("ix_maintenance_updates_occurrence_id_id", "occurrence_id", "id"),
    Index("ix_maintenance_updates_target_created_at", "target", "created_at"),
    sqlite_autoincrement=True,
)

# The public page's branding, set by an admin over the environment's defaults: one row per
# setting (title, accent, about: ``value``; the logo: ``blob``, its media type in ``value``).
page_settings = Table(
    "page_settings",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text),
    Column("blob", LargeBinary),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

# Groups of services on the public page, in ``position`` order; a service is in one at most.
service_groups = Table(
    "service_groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("name"),
)

service_group_members = Table(
    "service_group_members",
    metadata,
    Column("service", String(80), primary_key=True),  # a target id, service:<name>
    Column("group_id", Integer, ForeignKey("service_groups.id", ondelete="CASCADE"),
           nullable=False),
    Column("position", Integer, nullable=False),
)

# Visitors subscribed to maintenance notices (0013), each with its own public channel.
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel_id", String(32), ForeignKey("channels.id", ondelete="CASCADE"),
           nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # email | webhook
    Column("address", String(320), nullable=False),
    Column("services", Json),  # service names, or None for all public maintenance
    Column("status", String(16), nullable=False),  # pending | confirmed
    Column("created_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("created_ip", String(64)),
    Column("language", String(16)),
    UniqueConstraint("kind", "address"),
)

# Alertmanager silences (0014): which targets a rule silences, and how (matcher templates).
silence_rules = Table(
    "silence_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("selector", Json, nullable=False),  # a target id, or {"labels": {...}}
    Column("matchers", Json, nullable=False),  # [{name, value, isRegex, isEqual}], templates
    Column("padding_s", Integer, nullable=False),  # added to a known end
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("name"),
    sqlite_autoincrement=True,
)

# The silences pitstop wants in Alertmanager, written in the transaction of the change that
# causes them; the silence worker makes Alertmanager agree. ``live_key`` is
# "<rule>|<target>|<cause>" while the silence is wanted or still to be expired, NULL once it
# is over, so a cause can silence again later but never twice at once.
silences = Table(
    "silences",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("live_key", String(240), unique=True),
    Column("rule_id", Integer, nullable=False),
    Column("target", String(80), nullable=False),
    Column("cause", String(120), nullable=False),  # switch:<target> | occurrence:<id>
    Column("matchers", Json, nullable=False),  # rendered for this target
    Column("comment", Text, nullable=False),
    Column("ends_at", UTCDateTime),  # the maintenance's end plus padding, when known
    Column("state", String(10), nullable=False),  # active | ending | ended
    Column("synced", Boolean, nullable=False),  # Alertmanager agrees with this row
    Column("revision", Integer, nullable=False),  # moved on by every change (claims)
    Column("am_id", String(64)),
    Column("am_ends_at", UTCDateTime),  # the endsAt Alertmanager holds
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Index("ix_silences_target", "target"),
    Index("ix_silences_synced_next_attempt_at", "synced", "next_attempt_at"),
    sqlite_autoincrement=True,
)

# Rate limits every replica shares (0016): the recent hits of one key (a SHA-256 of what is
# limited, such as a client address), as unix seconds, oldest first.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("hits", Json, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_rate_limits_updated_at", "updated_at"),
)

# Disruption budgets (0015): at most ``max_unavailable`` nodes matching ``selector`` in
# maintenance at once. ``key`` is the selector's canonical text (``rack=b,role=db``).
disruption_budgets = Table(
    "disruption_budgets",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("selector", Json, nullable=False),
    Column("max_unavailable", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

# Rolling maintenance (0015): the nodes matching ``selector`` in maintenance at most
# ``max_unavailable`` at a time. ``driver`` is the CLI run driving it (None when nobody
# does: finished, stopped by a failure, or not yet resumed); ``version`` moves on every
# claim, so claims of the same roll serialize (a conditional update on it).
rolls = Table(
    "rolls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("selector", Json, nullable=False),
    Column("max_unavailable", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("command", Json, nullable=False),
    Column("check", Text),
    Column("driver", String(64)),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)

roll_steps = Table(
    "roll_steps",
    metadata,
    Column("roll_id", Integer, ForeignKey("rolls.id", ondelete="CASCADE"), primary_key=True),
    Column("node", String(80), primary_key=True),  # the node's target id
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("message", Text),
    # When its command last exited 0: a resumed step is only checked again, never re-run.
    Column("command_ok_at", UTCDateTime),
)
