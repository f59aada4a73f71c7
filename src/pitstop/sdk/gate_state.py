"""The gate's rules, applied locally to what ``GET /v1/targets/{target}/gate`` returned.

They are lease admission's rules (``pitstop.services.leases``), on plain floats so a check
costs a fraction of a microsecond:

1. A switch in the target's scope (its own or the platform's) that has not expired refuses.
2. A gating occurrence in progress refuses: its times contain the instant, and it is
   ONGOING or its window is not paused.
3. With an expected duration, an unpaused window's occurrence that starts after the instant
   and before the work would end refuses (the admission horizon).

Nothing here imports the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

INF = float("inf")


@dataclass(frozen=True, slots=True)
class Block:
    """One reason work may be refused, with the span in which it applies (epoch seconds)."""

    kind: str  # "switch" or "window"
    source: str
    reason: str
    start: float
    end: float
    counts_paused: bool  # a window: ONGOING, or its window is not paused
    soon: bool  # a window that can refuse ahead of its start (not paused)
    public: str | None = None  # what anyone may read: a public message, a public title

    def refuses_at(self, now: float) -> bool:
        return self.start <= now < self.end and self.counts_paused


def _ts(value: Any) -> float:
    if value is None:
        return INF
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


class TargetState:
    """One target's gate document, compiled for fast checks."""

    __slots__ = ("blocks", "doc", "starts", "target")

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.target: str = doc["target"]
        blocks = [Block("switch", s["source"], s["reason"], -INF, _ts(s.get("expires_at")),
                        True, False, s.get("public_message"))
                  for s in doc.get("switches", ())]
        for w in doc.get("windows", ()):
            if w["status"] in ("COMPLETED", "CANCELLED"):
                continue
            blocks.append(Block("window", w["source"], w["title"], _ts(w["start"]),
                                _ts(w["end"]), w["status"] == "ONGOING" or not w["paused"],
                                not w["paused"], w["title"] if w.get("public") else None))
        self.blocks = tuple(blocks)
        self.starts = tuple(sorted((b for b in blocks if b.soon), key=lambda b: b.start))

    def refusal(self, now: float, expected_s: float | None = None) -> Block | None:
        """The block that refuses work at ``now`` (lasting ``expected_s``), or None."""
        for block in self.blocks:
            if block.start <= now < block.end and block.counts_paused:
                return block
        if expected_s:
            until = now + expected_s
            for block in self.starts:
                if block.start >= until:
                    break
                if block.start > now:
                    return block
        return None
