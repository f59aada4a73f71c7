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


Config = tuple[bytes, str]  # a node's config document, encoded, and its ETag


class ConfigWatch:
    """Emits ``node.config_changed`` for each node whose config document changed, and
    answers the held polls of those nodes."""

    def __init__(self, state: Snapshot, config_of: Callable[[str, datetime], Config]) -> None:
        self._state, self._config_of = state, config_of  # config_of(node target, now)
        self._etags: dict[str, str] = {}
        # Held polls per node: each one's future, and the ETag its agent has.
        self._held: dict[str, dict[asyncio.Future[Config], str]] = {}

    def prime(self) -> None:
        now = clock.now()
        for target in self._state.nodes:
            self._etags[target] = self._config_of(target, now)[1]

    async def wait(self, target: str, etag: str, timeout_s: float) -> Config | None:
        """Hold until ``target``'s config no longer has ``etag``: its new body and ETag, or
        None after ``timeout_s``. The caller has just seen ``etag`` current."""
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
        for target in list(self._held):
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

    def derive(self, events: Iterable[Event]) -> list[Event]:
        """The leader's step after a commit: the changed configs' events; their held polls
        are answered at once (not after the events are recorded)."""
        if _irrelevant(events):
            return []
        now, out = clock.now(), []
        for target in list(self._state.nodes):
            config = self._config_of(target, now)
            etag = config[1]
            if self._etags.get(target) != etag:
                out.append(Event("node.config_changed", target, now, {"etag": etag}))
                self._answer(target, config)
            self._etags[target] = etag
        for gone in set(self._etags) - set(self._state.nodes):
            del self._etags[gone]
        return out


def _irrelevant(events: Iterable[Event]) -> bool:
    return all(e.type.startswith(_IRRELEVANT) for e in events)
