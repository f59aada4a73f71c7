"""Encoded views derived from the snapshot (target views, agent configs), each valid until
the snapshot changes or its own time boundary passes."""

from __future__ import annotations

from datetime import datetime

from pitstop.services.snapshot import Snapshot


class ViewCache:
    """Encoded views derived from the snapshot, each valid until the snapshot changes or its
    own time boundary passes (a view of work in flight is never reused)."""

    MAX = 10_000

    def __init__(self, state: Snapshot) -> None:
        self._state = state
        self._items: dict[object, tuple[int, datetime | None, bytes]] = {}

    def get(self, key: object, now: datetime) -> bytes | None:
        item = self._items.get(key)
        if item is None or item[0] != self._state.generation:
            return None
        if item[1] is not None and now >= item[1]:
            return None
        return item[2]

    def put(self, key: object, body: bytes, valid_until: datetime | None) -> None:
        if len(self._items) >= self.MAX:
            self._items.clear()
        self._items[key] = (self._state.generation, valid_until, body)
