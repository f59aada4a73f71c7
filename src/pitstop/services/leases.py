"""Work leases: admission (the gate), heartbeats, phases, release and loss."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pitstop import clock
from pitstop.domain.drain import LeaseView
from pitstop.domain.state import effective_state
from pitstop.domain.targets import scope_of
from pitstop.domain.windows import (
    OccurrenceTimes,
    WindowRules,
    first_gate_before,
    window_causes,
)
from pitstop.errors import Conflict, InMaintenance, MaintenanceSoon, NotFound
from pitstop.services import reported_work
from pitstop.services.events import Event
from pitstop.services.records import gating_pair, iso_z, lease_from_row, switch_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.targets import check_target_id
from pitstop.storage import audit as audit_q
from pitstop.storage import leases as leases_q
from pitstop.storage import targets as targets_q
from pitstop.storage import windows as windows_q

SYSTEM = "system"


def lease_json(lease: LeaseView, *, state: str = "active") -> dict[str, Any]:
    return {**lease.to_json(), "state": state}


async def acquire_lease(
    *,
    rt: Runtime,
    target: str,
    kind: str,
    holder: str,
    expected_duration_s: float | None = None,
    phase: str | None = None,
    ttl_s: int | None = None,
    force: bool = False,
) -> LeaseView:
    """Admit one unit of work on ``target``, or raise InMaintenance (or MaintenanceSoon when
    it would still run at the start of a gating window; ``force`` admits it anyway).

    The check reads the switches of the target and the platform under a share lock inside the
    write transaction, and the gating occurrences in the same transaction: an enter or a
    window change that has committed is always seen, and neither can commit while an
    admission that has read "not in maintenance" is still open (both take the platform row
    exclusively).
    """
    target = check_target_id(target)
    now = clock.now()
    ttl = ttl_s or rt.settings.lease_ttl_s
    async with rt.db.write_fast() as conn:
        rows = await targets_q.lock_targets(conn=conn, ids=scope_of(target), exclusive=False)
        if target not in rows:
            raise NotFound(f"target {target!r} does not exist; create it with "
                           f"PUT /v1/targets/{target}", target=target)
        switches = {tid: s for tid, row in rows.items() if (s := switch_from_row(row))}
        expected_end = now + timedelta(seconds=expected_duration_s) \
            if expected_duration_s is not None else None
        labels = {tid: row["labels"] for tid, row in rows.items()}
        pairs = [gating_pair(row) for row in await windows_q.gating_occurrences(
            conn=conn, now=now, limit=expected_end if expected_end and not force else now)]
        state = effective_state(target, switches, now,
                                window_causes(target, labels, pairs, now))
        if state.in_maintenance:
            first = state.causes[0]
            raise InMaintenance(
                f"{target} is in maintenance ({first.source}: {first.reason}); "
                "new work is refused until it ends",
                target=target, causes=[c.to_json() for c in state.causes],
                retry_after=state.retry_after_s(now),
            )
        soon = first_gate_before(target, labels, pairs, now, expected_end) \
            if expected_end and not force else None
        if soon is not None:
            raise _maintenance_soon(target, soon, now)
        lease = LeaseView(
            id=str(uuid.uuid4()), target=target, kind=kind, holder=holder, phase=phase,
            acquired_at=now, expected_end=expected_end, expires_at=now + timedelta(seconds=ttl),
            last_heartbeat=now,
        )
        await leases_q.insert_lease(conn=conn, values={
            "id": lease.id, "target": target, "kind": kind, "holder": holder, "phase": phase,
            "acquired_at": now, "expected_end": lease.expected_end, "ttl_s": ttl,
            "expires_at": lease.expires_at,
        })
    rt.publish([Event("lease.acquired", target, now, {"lease": lease.id}, lease)])
    return lease


def _maintenance_soon(target: str, soon: tuple[OccurrenceTimes, WindowRules], now: datetime
                      ) -> MaintenanceSoon:
    occ, rules = soon
    return MaintenanceSoon(
        f"{target} enters maintenance at {iso_z(occ.start)} (window {rules.id}: "
        f"{rules.title}), before this work's expected end; start it after "
        f"{iso_z(occ.end)}, shorten expected_duration_s, or pass force: true",
        target=target,
        occurrence={"id": occ.id, "window": rules.id, "title": rules.title,
                    "start": iso_z(occ.start), "end": iso_z(occ.end)},
        retry_after=max(1, int((occ.end - now).total_seconds() + 0.999)),
    )


async def _ended_error(rt: Runtime, lease_id: str) -> Exception:
    async with rt.db.read() as conn:
        row = await leases_q.get_lease(conn=conn, lease_id=lease_id)
    if row is None:
        return NotFound(f"lease {lease_id!r} does not exist", lease=lease_id)
    state = row["state"] if row["state"] != "active" else "lost"
    if state == leases_q.FORCE_RELEASED:
        return Conflict(
            f"lease {lease_id} was force-released by {row['ended_by']} at "
            f"{iso_z(row['ended_at'])}: {row['end_reason']}; stop this work or acquire "
            "a new lease", lease=lease_id, state=state, released_by=row["ended_by"],
            reason=row["end_reason"])
    return Conflict(
        f"lease {lease_id} has ended ({state}); acquire a new lease to start new work",
        lease=lease_id, state=state,
    )


async def renew_lease(*, rt: Runtime, lease_id: str, phase: str | None = None,
                      set_phase: bool = False) -> LeaseView:
    """Heartbeat (extend by the lease's TTL) and optionally report a new phase."""
    now = clock.now()
    async with rt.db.write() as conn:
        row = await leases_q.get_lease(conn=conn, lease_id=lease_id)
        values: dict[str, Any] = {}
        if row is not None:
            values["expires_at"] = now + timedelta(seconds=row["ttl_s"])
        if set_phase:
            values["phase"] = phase
        updated = await leases_q.touch_lease(conn=conn, lease_id=lease_id, now=now,
                                             values=values) if row is not None else None
    if updated is None:
        raise await _ended_error(rt, lease_id)
    lease = lease_from_row(updated)
    kind = "lease.phase_changed" if set_phase else "lease.renewed"
    rt.publish([Event(kind, lease.target, now, {"lease": lease.id, "phase": lease.phase}, lease)])
    return lease


async def release_lease(*, rt: Runtime, lease_id: str) -> None:
    """End a lease: its work is done. Releasing twice changes nothing."""
    now = clock.now()
    async with rt.db.write_fast() as conn:
        row = await leases_q.release_active_lease(conn=conn, lease_id=lease_id, now=now)
        if row is None and await leases_q.get_lease(conn=conn, lease_id=lease_id) is None:
            raise NotFound(f"lease {lease_id!r} does not exist", lease=lease_id)
    if row is not None:
        duration = (now - row["acquired_at"]).total_seconds()
        rt.publish([Event("lease.released", row["target"], now,
                          {"lease": lease_id, "duration_s": duration}, lease_from_row(row))])


async def expire_leases(*, rt: Runtime, now: datetime) -> int:
    """Record every lease whose TTL ran out as lost (it stopped counting at its expiry)."""
    events: list[Event] = []
    async with rt.db.write() as conn:
        for row in await leases_q.expired_leases(conn=conn, now=now):
            duration = (now - row["acquired_at"]).total_seconds()
            if not await leases_q.end_lease(conn=conn, lease_id=row["id"], state=leases_q.LOST,
                                            now=now, duration_s=duration):
                continue  # released or expired by another worker first
            lease = lease_from_row(row)
            reason = f"no heartbeat for {row['ttl_s']} s; lease expired at " \
                     f"{iso_z(row['expires_at'])}"
            await audit_q.append_audit(
                conn=conn, at=now, actor=SYSTEM, action="lease.lost", target=row["target"],
                reason=reason, details={"lease": {k: v for k, v in lease_json(lease).items()
                                                  if k in ("id", "kind", "holder", "phase")}},
            )
            events.append(Event("lease.lost", row["target"], now, {"lease": row["id"]}, lease))
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    return len(events)


async def force_release(*, rt: Runtime, lease_id: str, reason: str, actor: str
                        ) -> dict[str, Any]:
    """An admin ends work that holds up a drain: a lease, or a run an agent reports
    (``node:<name>/<workload>``, see services.reported_work). Audited with who held it."""
    if lease_id.startswith("node:") and "/" in lease_id:
        return await reported_work.release_workload(rt=rt, work_id=lease_id, reason=reason,
                                                    actor=actor)
    now = clock.now()
    async with rt.db.write() as conn:
        row = await leases_q.get_lease(conn=conn, lease_id=lease_id)
        if row is None:
            raise NotFound(f"lease {lease_id!r} does not exist; see pitstop leases list",
                           lease=lease_id)
        duration = (now - row["acquired_at"]).total_seconds()
        if not await leases_q.end_lease(conn=conn, lease_id=lease_id,
                                        state=leases_q.FORCE_RELEASED, now=now,
                                        duration_s=duration, by=actor, reason=reason):
            raise Conflict(f"lease {lease_id} has ended already ({row['state']})",
                           lease=lease_id, state=row["state"])
        lease = lease_from_row(row)
        details = {k: v for k, v in lease_json(lease).items()
                   if k in ("id", "kind", "holder", "phase")}
        events = await rt.eventlog.record_change(
            conn, Event("lease.force_released", row["target"], now,
                        {"lease": lease_id, "holder": row["holder"], "by": actor}, lease),
            actor=actor, reason=reason, details={"lease": details})
    rt.publish(events)
    return {**details, "target": row["target"], "released_by": actor, "reason": reason,
            "released_at": now}


def list_in_flight(rt: Runtime, target: str | None, now: datetime) -> list[dict[str, Any]]:
    """Every lease and reported run that counts now, on ``target`` or under it."""
    work = [w for w in (rt.state.in_flight() if target is None else rt.state.work_on(target))
            if w.counts_at(now)]
    return [{**w.to_json(), "state": "active",
             "age_s": round((now - w.acquired_at).total_seconds(), 3)}
            for w in sorted(work, key=lambda w: (w.acquired_at, w.id))]


def next_lease_expiry(rt: Runtime) -> datetime | None:
    return rt.state.next_lease_expiry()


def get_lease_view(rt: Runtime, lease_id: str) -> LeaseView:
    lease = rt.state.leases.get(lease_id)
    if lease is None:
        raise NotFound(f"lease {lease_id!r} is not in flight", lease=lease_id)
    return lease
