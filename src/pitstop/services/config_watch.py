"""``node.config_changed``: derived after each commit, for every node whose config document
(what ``GET /v1/agent/config`` would answer) now reads differently; and the agents' held polls
(``?wait_s=``), each answered when its own node's config changes.

A held poll waits on a future of its node, not on every change of the state: a heartbeat or
a lease wakes none of ten thousand held polls, and a change that does touch every config
answers each with the body its node's ETag was computed from (encoded once)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime

from pitstop import clock
from pitstop.services.events import Event
from pitstop.services.snapshot import Snapshot

# Events that cannot change any agent's config: skipping them keeps the watcher off the
# hot paths (leases, heartbeats, tokens).
_IRRELEVANT = ("lease.", "token.", "node.reported", "node.work_", "node.config_changed",
               "service.status_reported")


# What a service's own events change: its switch, labels, status; no node's config.
_SERVICE_ONLY = ("maintenance.", "target.", "service.")

Config = tuple[bytes, str]  # a node's config document, encoded, and its ETag


class ConfigWatch:
    """Emits ``node.config_changed`` for each node whose config document changed, and
    answers the held polls of those nodes.

    ETags are known lazily: a node's is computed just before the first change that can
    affect it (``before``, while the snapshot still holds the old state) or taken from its
    agent's held poll, never for all nodes at start. A change is compared only on the nodes
    it can affect (``affected``): one node's switch, labels or config, that node alone; a
    service's, none; the platform's switch or a window, every node."""

    def __init__(self, state: Snapshot, config_of: Callable[[str, datetime], Config]) -> None:
        self._state, self._config_of = state, config_of  # config_of(node target, now)
        self._etags: dict[str, str] = {}
        self._stale: set[str] = set()  # derived events not recorded: derive them again
        # Held polls per node: each one's future, and the ETag its agent has.
        self._held: dict[str, dict[asyncio.Future[Config], str]] = {}

    def prime(self) -> None:
        """Start deriving from the state as it is now (at start, or on taking the lead):
        every ETag is computed again, lazily, before the next change that affects it."""
        self._etags.clear()
        self._stale.clear()

    async def wait(self, target: str, etag: str, timeout_s: float) -> Config | None:
        """Hold until ``target``'s config no longer has ``etag``: its new body and ETag, or
        None after ``timeout_s``. The caller has just seen ``etag`` current."""
        self._etags.setdefault(target, etag)
        future: asyncio.Future[Config] = asyncio.get_running_loop().create_future()
        held = self._held.setdefault(target, {})
        held[future] = etag
        try:
            async with asyncio.timeout(timeout_s):
                return await future
        except TimeoutError:
            return None
        finally:
            del held[future]
            if not held and self._held.get(target) is held:
                del self._held[target]

    def notice(self, events: Iterable[Event]) -> None:
        """On a replica that does not derive (not the leader): answer the held polls whose
        node's config changed."""
        if not self._held or _irrelevant(events):
            return
        now = clock.now()
        affected = affected_nodes(events)
        for target in list(self._held) if affected is None else affected & set(self._held):
            if target in self._state.nodes:
                self._answer(target, self._config_of(target, now))

    def _answer(self, target: str, config: Config) -> None:
        held = self._held.get(target)
        if held is None:
            return
        for future, etag in held.items():
            if etag != config[1] and not future.done():
                future.set_result(config)

    def forget(self, events: Iterable[Event]) -> None:
        """Derived events that were not recorded: derive them again next time."""
        for event in events:
            if event.type == "node.config_changed" and event.target:
                self._etags.pop(event.target, None)
                self._stale.add(event.target)

    def before(self, events: Iterable[Event]) -> None:
        """Before ``events`` are applied to the snapshot: the ETags not known yet of the
        nodes they can affect, as the configs read now (what ``derive`` compares with)."""
        if _irrelevant(events):
            return
        affected = affected_nodes(events)
        targets = self._state.nodes if affected is None else affected
        unknown = [t for t in targets if t not in self._etags and t not in self._stale
                   and t in self._state.nodes]
        now = clock.now()
        for target in unknown:
            self._etags[target] = self._config_of(target, now)[1]

    def derive(self, events: Iterable[Event]) -> list[Event]:
        """The leader's step after a commit: the changed configs' events; their held polls
        are answered at once (not after the events are recorded)."""
        if _irrelevant(events):
            return []
        affected = affected_nodes(events)
        targets = list(self._state.nodes) if affected is None else [*affected, *self._stale]
        self._stale.clear()
        now, out = clock.now(), []
        for target in targets:
            if target not in self._state.nodes:
                self._etags.pop(target, None)
                continue
            config = self._config_of(target, now)
            etag = config[1]
            if self._etags.get(target) != etag:
                out.append(Event("node.config_changed", target, now, {"etag": etag}))
                self._answer(target, config)
            self._etags[target] = etag
        if affected is None:
            for gone in set(self._etags) - set(self._state.nodes):
                del self._etags[gone]
        return out


def affected_nodes(events: Iterable[Event]) -> set[str] | None:
    """The nodes whose config ``events`` can change (None: every node). A node's config
    reads its own record and the switches and labels of its scope (itself and the
    platform) and the live occurrences; so an event about one node touches that node, one
    about a service's switch, labels or status touches none, and anything else (the
    platform, a window, an occurrence) every node."""
    out: set[str] = set()
    for event in events:
        if event.type.startswith(_IRRELEVANT):
            continue
        target = event.target or ""
        if event.type.startswith(("window.", "occurrence.")):
            return None
        if target.startswith("node:"):
            out.add(target)
        elif not (target.startswith("service:") and event.type.startswith(_SERVICE_ONLY)):
            return None
    return out


def _irrelevant(events: Iterable[Event]) -> bool:
    return all(e.type.startswith(_IRRELEVANT) for e in events)
