"""What an executor's gate needs to decide locally exactly as lease admission does: the
switches that cover a target, and the gating occurrences that affect it.

Admission (``services.leases.acquire_lease``) refuses work when a switch in the target's
scope is on, or a gating occurrence is in progress on it, or (given an expected duration) a
gating occurrence of an unpaused window starts before the work would end. The SDK's
``Gate`` applies the same rules to this document at the moment of each check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pitstop.domain.targets import scope_of
from pitstop.domain.windows import NOT_ENDED
from pitstop.services.runtime import Runtime
from pitstop.services.targets import check_target_id, target_state

# The events that can change a gate document: what the SDK's ``Gate`` follows, and all a
# worker token may hear on the stream.
GATE_EVENTS = frozenset({
    "maintenance.entered", "maintenance.exited", "maintenance.joined", "maintenance.left",
    "node.maintenance_entered",
    "node.maintenance_exited", "occurrence.created", "occurrence.transitioned",
    "occurrence.moved", "occurrence.deleted", "window.created", "window.updated",
    "window.deleted", "window.paused", "window.resumed", "target.created", "target.updated",
})


def gate_state(rt: Runtime, target: str, now: datetime) -> dict[str, Any]:
    target = check_target_id(target)
    state = rt.state
    target_state(state, target, now)  # NotFound for an unknown target
    switches = []
    for source in scope_of(target):
        record = state.targets.get(source)
        switch = record.switch if record else None
        if switch is not None and switch.active_at(now):
            switches.append({"source": source, "reason": switch.reason, "actor": switch.actor,
                             "since": switch.since, "expires_at": switch.expires_at,
                             "public_message": switch.public_message})
    labels = state.scope_labels(target)
    windows = []
    for occ, rules in state.live_pairs():
        if not rules.gates_work or occ.status not in NOT_ENDED or occ.end <= now:
            continue
        hit = rules.impact_on(target, labels)
        if hit is not None:
            windows.append({"window": rules.id, "occurrence": occ.id, "title": rules.title,
                            "source": hit[1], "start": occ.start, "end": occ.end,
                            "status": str(occ.status), "paused": rules.paused,
                            "public": rules.id in state.windows
                            and state.windows[rules.id].public})
    return {"target": target, "at": now, "switches": switches, "windows": windows,
            "horizon_days": rt.settings.window_horizon_days}
