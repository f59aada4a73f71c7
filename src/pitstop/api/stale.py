"""Marks on answers served from memory while that memory may be out of date.

Targets, gates, the agent config and /health answer from the in-memory state, so they keep
answering while the database is unreachable (or, with replicas, while the backplane that
brings the other replicas' changes is down). Such answers carry:

- the header ``Warning: 110 - "Response is Stale"`` (HTTP's stale-response warning);
- in the JSON objects pitstop owns (targets, gate, /health): ``"stale": true`` and
  ``"as_of"``, when the state was last known current.

Answers from a current state carry neither, byte for byte as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pitstop.services.runtime import Runtime

WARNING = '110 - "Response is Stale"'


def stale_as_of(rt: Runtime) -> datetime | None:
    """While the in-memory state may be missing changes (the database is unreachable, or
    the replica backplane that brings other replicas' changes is down): when it was last
    known current. None while it is current."""
    check, lost_at = rt.db_check, rt.backplane and rt.backplane.lost_at
    if check.error is None:  # the hot reads' path: no allocation
        return lost_at or None
    return min(check.last_ok, lost_at) if lost_at else check.last_ok


def stale_headers(as_of: datetime | None) -> dict[str, str]:
    return {} if as_of is None else {"Warning": WARNING}


def mark_stale(body: dict[str, Any], rt: Runtime) -> dict[str, str]:
    """Add ``stale``/``as_of`` to ``body`` if the state may be out of date; the headers."""
    as_of = stale_as_of(rt)
    if as_of is not None:
        body["stale"] = True
        body["as_of"] = as_of
    return stale_headers(as_of)
