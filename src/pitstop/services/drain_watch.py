"""``drain.safe``: the moment a target in maintenance has no work left in flight.

Deploy tools and consoles wait for this instead of polling. The watch re-examines every
target only when maintenance may have started or ended (a switch, a window); on the hot
events — a lease released or lost, an agent's report — it re-checks only the targets in
maintenance that still have work in flight.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pitstop import clock
from pitstop.services.events import Event
from pitstop.services.targets import describe_target

if TYPE_CHECKING:
    from pitstop.services.runtime import Runtime

_RESCAN = ("maintenance.", "occurrence.", "window.", "target.", "node.registered",
           "node.deleted")
_DRAINING = ("lease.released", "lease.lost", "node.reported")


class DrainWatch:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._safe: dict[str, bool] = {}  # targets in maintenance -> safe to deploy

    def prime(self) -> None:
        self._scan(list(self._rt.state.targets))

    def derive(self, events: Iterable[Event]) -> list[Event]:
        types = [e.type for e in events]
        if any(t.startswith(_RESCAN) for t in types):
            return self._scan(list(self._rt.state.targets))
        if any(t in _DRAINING for t in types):
            return self._scan([t for t, safe in self._safe.items() if not safe])
        return []

    def _scan(self, targets: list[str]) -> list[Event]:
        now, out = clock.now(), []
        for target in targets:
            if target not in self._rt.state.targets:
                self._safe.pop(target, None)
                continue
            view = describe_target(self._rt.state, target, now)
            if not view.state.in_maintenance:
                self._safe.pop(target, None)
                continue
            safe = view.drain.safe_to_deploy
            if safe and not self._safe.get(target, False):
                out.append(Event("drain.safe", target, now, {"in_flight": 0}))
            self._safe[target] = safe
        return out
