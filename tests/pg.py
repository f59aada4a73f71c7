"""PostgreSQL for tests: a database per run on the local server, reset between tests.

Without a reachable server the PostgreSQL half of the suite skips with the reason; in CI
(CI=true) that is a failure instead, so a green CI always means both databases were tested.
"""

from __future__ import annotations

import os
import uuid

import asyncpg
import pytest

BASE = os.environ.get("PITSTOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
TABLES = ("server_keys", "delivery_attempts", "deliveries", "subscriptions", "channels",
          "events", "nodes", "occurrences", "windows", "leases", "audit", "tokens", "targets",
          "page_settings", "service_group_members", "service_groups")
_unreachable_reason: str | None = None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail() -> None:
    reason = f"PostgreSQL not reachable at {BASE} ({_unreachable_reason}); start it with " \
             "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
    if _in_ci():
        pytest.fail("CI must test PostgreSQL: " + reason)
    pytest.skip(reason)


async def create_database() -> str | None:
    global _unreachable_reason
    name = f"pitstop_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = await asyncpg.connect(BASE, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        _unreachable_reason = str(exc) or type(exc).__name__
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = BASE.rpartition("/")
    return base.replace("postgresql://", "postgresql+asyncpg://") + "/" + name


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def drop_database(url: str) -> None:
    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(BASE, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def reset(url: str) -> None:
    """Empty every table and put the platform target back, as a fresh migration leaves it."""
    conn = await asyncpg.connect(_plain(url), timeout=5)
    try:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        await conn.execute(
            "INSERT INTO targets (id, kind, name, labels, created_at, updated_at, version, "
            "maint_on) VALUES ('platform', 'platform', 'platform', '{}', now(), now(), 1, false)"
        )
    finally:
        await conn.close()
