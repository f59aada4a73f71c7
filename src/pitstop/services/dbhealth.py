"""Whether the database answers: the check behind /health, /health/ready and stale reads.

No health request waits on the database, except /health/ready when its last result is over
``RECHECK_S`` old. The check stays current from two sources:

1. every transaction that runs into an outage reports it at once (``Database.on_unavailable``);
2. a probe (a one-row read under ``PROBE_TIMEOUT_S``) runs every ``CHECK_EVERY_S``, every
   ``RECHECK_S`` while the database is unreachable (so recovery shows within a second or
   so), and for /health/ready; callers that arrive together share one probe.

Outage logging is rate-limited (``storage.outage.log_unavailable``): an outage fails every
request the same way.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.errors import DatabaseUnavailable
from pitstop.storage.engine import Database

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0
RECHECK_S = 1.0
PROBE_TIMEOUT_S = 2.0


class DatabaseCheck:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.error: DatabaseUnavailable | None = None  # None while the database answers
        self.last_ok: datetime = clock.now()  # the snapshot was loaded from it at start
        self.latency_ms: float | None = None
        self._checked = float("-inf")  # clock.monotonic() of the last probe's answer
        self._probing: asyncio.Future[None] | None = None
        db.on_unavailable = self.failed

    @property
    def ok(self) -> bool:
        return self.error is None

    def failed(self, exc: DatabaseUnavailable) -> None:
        if self.error is None:
            log.warning("database unreachable (%s): writes and database reads answer 503 "
                        "database-unavailable until it is back", exc.reason)
        self.error = exc

    def _succeeded(self, latency_ms: float) -> None:
        if self.error is not None:
            down_s = (clock.now() - self.last_ok).total_seconds()
            log.warning("database reachable again (unreachable for about %.0f s)", down_s)
        self.error = None
        self.last_ok = clock.now()
        self.latency_ms = round(latency_ms, 2)

    async def fresh(self, max_age_s: float = RECHECK_S) -> None:
        """Probe unless the last probe answered within ``max_age_s``."""
        if clock.monotonic() - self._checked > max_age_s:
            await self.probe()

    async def probe(self) -> None:
        if self._probing is None:
            self._probing = asyncio.ensure_future(self._probe())
            self._probing.add_done_callback(self._probed)
        await asyncio.shield(self._probing)  # a caller's cancellation leaves it to the others

    def _probed(self, _: object) -> None:
        self._probing = None

    async def _probe(self) -> None:
        started = clock.monotonic()
        try:
            await self.db.ping(timeout_s=PROBE_TIMEOUT_S)
        except DatabaseUnavailable as exc:
            self.failed(exc)
        else:
            self._succeeded((clock.monotonic() - started) * 1000)
        finally:
            self._checked = clock.monotonic()

    async def run_forever(self) -> None:
        try:
            while True:
                await asyncio.sleep(CHECK_EVERY_S if self.ok else RECHECK_S)
                await self.fresh(max_age_s=RECHECK_S / 2)
        finally:  # shutting down: the database is disposed of next
            if self._probing is not None:
                self._probing.cancel()

    def to_json(self) -> dict[str, Any]:
        """For the public /health: the error's kind, never its message (which may name
        hosts and ports)."""
        if self.error is None:
            return {"status": "ok", "latency_ms": self.latency_ms, "last_ok": self.last_ok}
        return {"status": "unreachable", "error": self.error.kind, "last_ok": self.last_ok}
