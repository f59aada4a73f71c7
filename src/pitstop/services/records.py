"""Conversions between stored rows and the domain's records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pitstop.domain.drain import LeaseView
from pitstop.domain.state import Switch
from pitstop.services.snapshot import TargetRecord


def switch_from_row(row: Mapping[str, Any]) -> Switch | None:
    if not row["maint_on"]:
        return None
    return Switch(
        target=row["id"],
        reason=row["maint_reason"],
        actor=row["maint_actor"],
        since=row["maint_since"],
        expires_at=row["maint_expires_at"],
    )


def target_from_row(row: Mapping[str, Any]) -> TargetRecord:
    return TargetRecord(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        labels=dict(row["labels"] or {}),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        switch=switch_from_row(row),
    )


def lease_from_row(row: Mapping[str, Any]) -> LeaseView:
    return LeaseView(
        id=row["id"],
        target=row["target"],
        kind=row["kind"],
        holder=row["holder"],
        phase=row["phase"],
        acquired_at=row["acquired_at"],
        expected_end=row["expected_end"],
        expires_at=row["expires_at"],
    )


def iso_z(at: datetime) -> str:
    """RFC 3339 in UTC with a Z, as every API response writes times."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def switch_json(switch: Switch | None) -> dict[str, Any] | None:
    if switch is None:
        return None
    return {
        "reason": switch.reason,
        "actor": switch.actor,
        "since": iso_z(switch.since),
        "expires_at": iso_z(switch.expires_at) if switch.expires_at else None,
    }
