"""``node.config_changed``: derived after each commit, for every node whose config document
(what ``GET /v1/agent/config`` would answer) now reads differently."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from pitstop import clock
from pitstop.services.events import Event
from pitstop.services.snapshot import Snapshot

# Events that cannot change any agent's config: skipping them keeps the watcher off the
# hot paths (leases, heartbeats, tokens).
_IRRELEVANT = ("lease.", "token.", "node.reported", "node.work_", "node.config_changed",
               "service.status_reported")


class ConfigWatch:
    """Emits ``node.config_changed`` for each node whose config document changed."""

    def __init__(self, state: Snapshot, etag_of: Callable[[str, datetime], str]) -> None:
        self._state, self._etag_of = state, etag_of  # etag_of(node target, now)
        self._etags: dict[str, str] = {}

    def prime(self) -> None:
        now = clock.now()
        for target in self._state.nodes:
            self._etags[target] = self._etag_of(target, now)

    def forget(self, events: Iterable[Event]) -> None:
        """Derived events that were not recorded: derive them again next time."""
        for event in events:
            if event.type == "node.config_changed" and event.target:
                self._etags.pop(event.target, None)

    def derive(self, events: Iterable[Event]) -> list[Event]:
        if all(e.type.startswith(_IRRELEVANT) for e in events):
            return []
        now, out = clock.now(), []
        for target in list(self._state.nodes):
            etag = self._etag_of(target, now)
            if self._etags.get(target) != etag:
                out.append(Event("node.config_changed", target, now, {"etag": etag}))
            self._etags[target] = etag
        for gone in set(self._etags) - set(self._state.nodes):
            del self._etags[gone]
        return out
