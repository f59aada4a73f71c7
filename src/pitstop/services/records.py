"""Conversions between stored rows and the domain's records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pitstop.domain.drain import LeaseView
from pitstop.domain.lifecycle import Status
from pitstop.domain.recurrence import Cursor
from pitstop.domain.switches import Hold, Switch
from pitstop.domain.windows import OccurrenceTimes, Realtime, WindowRules, parse_affects
from pitstop.services.fleet_records import NodeRecord, Running
from pitstop.services.snapshot import (
    OccurrenceRecord,
    RealtimeStatus,
    TargetRecord,
    WindowRecord,
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"


def switch_from_row(row: Mapping[str, Any]) -> Switch | None:
    if not row["maint_on"]:
        return None
    stored = row.get("maint_holds")
    holds = tuple(_hold_from_json(h) for h in stored) if stored else ()
    if not holds or (holds[0].actor, holds[0].since) != (row["maint_actor"],
                                                         row["maint_since"]):
        # Stored before holds (0008), or by a replica of an older version during a rolling
        # upgrade (it writes the summary columns only): the summary is the truth.
        return Switch.single(row["id"], row["maint_reason"], row["maint_actor"],
                             row["maint_since"], row["maint_expires_at"])
    return Switch(row["id"], holds)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _hold_from_json(data: Mapping[str, Any]) -> Hold:
    since = _time(data["since"])
    assert since is not None
    return Hold(actor=data["actor"], reason=data["reason"], since=since,
                expires_at=_time(data.get("expires_at")),
                public_message=data.get("public_message"), key=data.get("key", ""))


def hold_to_json(hold: Hold) -> dict[str, Any]:
    """A hold as the ``maint_holds`` column stores it."""
    return {"actor": hold.actor, "key": hold.key, "reason": hold.reason,
            "public_message": hold.public_message, "since": iso_z(hold.since),
            "expires_at": iso_z(hold.expires_at) if hold.expires_at else None}


def switch_values(switch: Switch | None) -> dict[str, Any]:
    """The targets row's switch columns for ``switch`` (off when None)."""
    if switch is None:
        return {"maint_on": False, "maint_reason": None, "maint_actor": None,
                "maint_since": None, "maint_expires_at": None, "maint_holds": None}
    return {"maint_on": True, "maint_reason": switch.reason, "maint_actor": switch.actor,
            "maint_since": switch.since, "maint_expires_at": switch.expires_at,
            "maint_holds": [hold_to_json(h) for h in switch.holds]}


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
        realtime=RealtimeStatus(Realtime(row["rt_status"]), row["rt_message"], row["rt_at"],
                                row["rt_by"]) if row.get("rt_status") else None,
    )


def local_text(local: datetime) -> str:
    return local.strftime(LOCAL_FORMAT)


def window_from_row(row: Mapping[str, Any]) -> WindowRecord:
    cursor = None
    if row["cursor_local"] is not None:
        cursor = Cursor(datetime.strptime(row["cursor_local"], LOCAL_FORMAT),
                        row["cursor_generated"])
    return WindowRecord(
        id=row["id"], title=row["title"], description=row["description"],
        start_local=datetime.strptime(row["start_local"], LOCAL_FORMAT),
        timezone=row["timezone"], duration=timedelta(seconds=row["duration_s"]),
        rrule=row["rrule"], affects=parse_affects(row["affects"]),
        gates_work=bool(row["gates_work"]), ready_lead=timedelta(seconds=row["ready_lead_s"]),
        reminders=tuple(timedelta(seconds=s) for s in row["reminders"]),
        public=bool(row["public"]), status=row["status"], created_at=row["created_at"],
        created_by=row["created_by"], updated_at=row["updated_at"], version=row["version"],
        cursor=cursor, exhausted=bool(row["exhausted"]),
    )


def occurrence_from_row(row: Mapping[str, Any]) -> OccurrenceRecord:
    return OccurrenceRecord(
        OccurrenceTimes(row["id"], row["window_id"], row["recurrence_id"], row["start"],
                        row["end"], Status(row["status"])),
        deleted=bool(row["deleted"]), updated_at=row["updated_at"], version=row["version"],
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
        # Each heartbeat sets the expiry one TTL ahead: the last one was a TTL before it.
        last_heartbeat=row["expires_at"] - timedelta(seconds=row["ttl_s"]),
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
        "public_message": switch.public_message,
        "holders": [hold_to_json(h) for h in switch.holds],
    }


def node_from_row(row: Mapping[str, Any]) -> NodeRecord:
    return NodeRecord(
        target=row["target"], config=dict(row["config"]),
        config_updated_at=row["config_updated_at"], config_updated_by=row["config_updated_by"],
        agent_version=row["agent_version"],
        running=tuple(running_from_json(r) for r in row["running"]),
        reported_at=row["reported_at"], created_at=row["created_at"], version=row["version"],
    )


def running_from_json(raw: Mapping[str, Any]) -> Running:
    """One entry of a node's ``running`` column (see snapshot.Running)."""
    lost = raw.get("lost_at")
    return Running(raw["workload"], datetime.fromisoformat(raw["started_at"]),
                   datetime.fromisoformat(lost) if lost else None, raw.get("released"))


def gating_pair(row: Any) -> tuple[OccurrenceTimes, WindowRules]:
    """An occurrence row joined with its window (storage.windows.gating_occurrences)."""
    times = OccurrenceTimes(row["id"], row["window_id"], row["recurrence_id"], row["start"],
                            row["end"], Status(row["status"]))
    rules = WindowRules(row["window_id"], row["title"], row["created_by"],
                        bool(row["gates_work"]), row["window_status"],
                        parse_affects(row["affects"]), timedelta(seconds=row["ready_lead_s"]))
    return times, rules
