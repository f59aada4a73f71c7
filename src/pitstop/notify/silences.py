"""The silence worker: makes Alertmanager's silences agree with the ``silences`` rows.

1. **Check** (at start, every ``CHECK_EVERY``, and after Alertmanager or the worker was
   away): sync the wanted silences from the stored state (``resync``, handed in by the
   wiring), then list Alertmanager's silences and compare the ones pitstop created (its
   ``createdBy``, the row's id in the comment) with the rows: one that belongs to an active
   row without an id is adopted (created before a crash could record it), a second one for
   a row, or one whose row is over or unknown, is expired; an active row whose silence is
   gone is created again; an open-ended silence with less than half its horizon left is
   extended.
2. **Push** each due row: create or update an active one (``POST /api/v2/silences``,
   ``endsAt`` the maintenance's end when known), expire one that is ending
   (``DELETE /api/v2/silence/{id}``). Every attempt's error is recorded on the row, which is
   tried again after an exponential, jittered wait; a silence is never given up.

Rows are changed by conditional update on their revision: a change committed while a
request was on the wire wins, and the row is pushed again. Only the leader runs the worker.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from pitstop import clock
from pitstop.domain.notifications import retry_delay
from pitstop.domain.silences import (
    CREATED_BY,
    marked,
    marker_of,
    needs_extension,
    silence_end,
)
from pitstop.notify.loop import run_worker
from pitstop.storage import silences as silences_q
from pitstop.storage.engine import Database


def _httpx() -> ModuleType:
    """httpx, imported at first use: a start-up that has no Alertmanager to talk to need not
    pay for loading it."""
    import httpx

    return httpx

log = logging.getLogger(__name__)
BATCH = 50
IDLE_S = 30.0
CHECK_EVERY = timedelta(minutes=5)
BACKOFF_BASE_S, BACKOFF_MAX_S = 2.0, 300.0
RECHECK_S = 5.0  # while Alertmanager cannot be checked


class AlertmanagerError(Exception):
    """Alertmanager refused a request or could not be reached."""

    def __init__(self, detail: str, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail, self.status_code = detail, status_code


class Alertmanager:
    """The few calls of Alertmanager's v2 API pitstop makes."""

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        self._client = _httpx().AsyncClient(base_url=url.rstrip("/") + "/api/v2",
                                          timeout=timeout_s)

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = await self._client.request(method, path, json=body)
        except _httpx().HTTPError as exc:
            raise AlertmanagerError(f"Alertmanager unreachable: {type(exc).__name__}: "
                                    f"{exc}") from exc
        if response.status_code >= 300:
            raise AlertmanagerError(f"Alertmanager answered {response.status_code}: "
                                    f"{response.text.strip()[:300]}", response.status_code)
        return response.json() if response.content else None

    async def silences(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/silences"))

    async def post(self, silence: dict[str, Any]) -> str:
        """Create a silence, or update the one ``silence["id"]`` names; its id now (an
        update Alertmanager cannot make in place gives a new one)."""
        return str((await self._call("POST", "/silences", silence))["silenceID"])

    async def get(self, silence_id: str) -> dict[str, Any] | None:
        """One silence, or None when Alertmanager has none by that id."""
        try:
            return dict(await self._call("GET", f"/silence/{silence_id}"))
        except AlertmanagerError as exc:
            if exc.status_code == 404:
                return None
            raise

    async def expire(self, silence_id: str) -> None:
        """Expire a silence; one that is gone already is not an error."""
        try:
            await self._call("DELETE", f"/silence/{silence_id}")
        except AlertmanagerError as exc:
            if "not found" not in exc.detail:
                raise

    async def close(self) -> None:
        await self._client.aclose()


Resync = Callable[[], Awaitable[object]]


class SilenceWorker:
    """Handed the database, an Alertmanager client, ``resync`` (writes the wanted silences
    in a transaction of its own), ``leads`` (whether this replica runs it) and ``observe``
    (called after each recorded attempt, for open consoles)."""

    def __init__(self, db: Database, alertmanager: Alertmanager, *, resync: Resync,
                 leads: Callable[[], bool], observe: Callable[[], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.db, self.am, self.resync, self.leads = db, alertmanager, resync, leads
        self.observe = observe or (lambda: None)
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._check_at: datetime | None = None  # None: check before the next push
        # True until the first check: after a start, or a gap, nothing waits for backoff.
        self._was_down = True

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        await run_worker(self.run_once, self._wake, "the silence worker", log)

    async def run_once(self, *, check: bool = False) -> float:
        """Check when due (or asked), push what is due; the seconds until more is due.
        While Alertmanager cannot be checked, the pushes go on (and record why they fail),
        and the check is tried again soon."""
        if not self.leads():
            self._check_at, self._was_down = None, True  # a new leader starts by checking
            return IDLE_S
        now = clock.now()
        checked = True
        if check or self._check_at is None or now >= self._check_at:
            checked = await self._checked(now)
        async with self.db.read() as conn:
            due = await silences_q.due_silences(conn=conn, now=now, limit=BATCH)
        for row in due:
            await self._push(row)
        if len(due) == BATCH:
            return 0.0
        async with self.db.read() as conn:
            next_at = await silences_q.next_due_at(conn=conn)
        delay = IDLE_S if next_at is None else min(
            IDLE_S, max(0.0, (next_at - clock.now()).total_seconds()))
        return delay if checked else min(delay, RECHECK_S)

    async def _checked(self, now: datetime) -> bool:
        try:
            await self.check(now)
        except AlertmanagerError as exc:
            log.warning("silences not checked: %s", exc.detail)
            self._check_at, self._was_down = None, True
            return False
        if self._was_down:  # back: what waited for it is tried at once, not after backoff
            async with self.db.write() as conn:
                await silences_q.retry_now(conn=conn, now=now)
            self._was_down = False
        self._check_at = now + CHECK_EVERY
        return True

    async def check(self, now: datetime) -> None:
        """Step 1 of the module's docstring."""
        await self.resync()
        listed = [s for s in await self.am.silences()
                  if s.get("createdBy") == CREATED_BY and s["status"]["state"] != "expired"]
        async with self.db.read() as conn:
            live = {r["id"]: r for r in await silences_q.live_silences(conn=conn)}
            marked_rows = await silences_q.silences_by_id(
                conn=conn, ids=[m for s in listed if (m := marker_of(s)) is not None])
        kept = await self._sort_listed(listed, live | marked_rows)
        for row in live.values():
            await self._check_row(row, kept.get(row["id"]), now)

    async def _sort_listed(self, listed: list[dict[str, Any]],
                           rows: Mapping[int, Mapping[str, Any]]) -> dict[int, str]:
        """The silence kept for each active row; every other one of ours is expired."""
        kept: dict[int, str] = {}
        for silence in sorted(listed, key=lambda s: s["id"]):
            row = rows.get(marker_of(silence) or 0)
            wanted = row is not None and row["state"] == silences_q.ACTIVE
            if wanted and row is not None and row["id"] not in kept and \
                    row["am_id"] in (None, silence["id"]):
                kept[row["id"]] = silence["id"]
            elif not (wanted and row is not None and row["am_id"] == silence["id"]):
                log.info("expiring stray silence %s in Alertmanager", silence["id"])
                await self.am.expire(silence["id"])
        return kept

    async def _check_row(self, row: Mapping[str, Any], found: str | None, now: datetime
                         ) -> None:
        """An active row whose silence is another or gone, or runs out: push it again."""
        if row["state"] != silences_q.ACTIVE:
            return  # one that is ending is expired by its push, found or not
        if found != row["am_id"]:
            values: dict[str, Any] = {"am_id": found, "am_ends_at": None}
        elif needs_extension(row["ends_at"], row["am_ends_at"], now):
            values = {}
        else:
            return
        async with self.db.write() as conn:
            await silences_q.change_silence(conn=conn, silence_id=row["id"], revision=row[
                "revision"], values={**values, "synced": False, "next_attempt_at": now})

    async def _push(self, row: Mapping[str, Any]) -> None:
        """Step 2 of the module's docstring, for one row."""
        now = clock.now()
        try:
            if row["state"] == silences_q.ACTIVE:
                await self._create(row, now)
            else:
                await self._end(row, now)
        except AlertmanagerError as exc:
            await self._failed(row, exc, now)
        self.observe()

    async def _create(self, row: Mapping[str, Any], now: datetime) -> None:
        ends = silence_end(row["ends_at"], row["am_ends_at"], now)
        body = {"matchers": row["matchers"], "startsAt": _z(now), "endsAt": _z(ends),
                "createdBy": CREATED_BY, "comment": marked(row["comment"], row["id"])}
        held = await self.am.get(row["am_id"]) if row["am_id"] else None
        if held is not None and held["status"]["state"] != "expired":
            # Alertmanager updates a silence in place only if its start is unchanged;
            # otherwise it expires it and makes a new one.
            body |= {"id": held["id"], "startsAt": held["startsAt"]}
        am_id = await self.am.post(body)
        async with self.db.write() as conn:
            # The id is recorded whatever happened meanwhile, so the silence is never lost
            # track of; the row counts as synced only if nobody changed it since.
            await silences_q.change_silence(conn=conn, silence_id=row["id"], values={
                "am_id": am_id, "am_ends_at": ends})
            await silences_q.change_silence(conn=conn, silence_id=row["id"], values={
                "synced": True, "attempts": row["attempts"] + 1, "last_error": None},
                revision=row["revision"] + 1)

    async def _end(self, row: Mapping[str, Any], now: datetime) -> None:
        if row["am_id"]:
            await self.am.expire(row["am_id"])
        async with self.db.write() as conn:
            await silences_q.change_silence(conn=conn, silence_id=row["id"], values={
                "am_id": None, "am_ends_at": None})
            ended = await silences_q.change_silence(
                conn=conn, silence_id=row["id"], revision=row["revision"] + 1, values={
                    "state": silences_q.ENDED, "live_key": None, "synced": True,
                    "ended_at": now, "attempts": row["attempts"] + 1, "last_error": None})
            if not ended:  # wanted again meanwhile: create it anew
                await silences_q.change_silence(conn=conn, silence_id=row["id"], values={
                    "synced": False, "next_attempt_at": now})

    async def _failed(self, row: Mapping[str, Any], exc: AlertmanagerError, now: datetime
                      ) -> None:
        attempts = row["attempts"] + 1
        wait = retry_delay(attempts, base_s=BACKOFF_BASE_S, max_s=BACKOFF_MAX_S, rng=self.rng)
        if exc.status_code is None:  # unreachable: check everything once it is back
            self._check_at, self._was_down = None, True
        log.warning("silence %s for %s: attempt %d failed: %s", row["id"], row["target"],
                    attempts, exc.detail)
        async with self.db.write() as conn:
            await silences_q.change_silence(conn=conn, silence_id=row["id"], revision=row[
                "revision"], values={"attempts": attempts, "last_error": exc.detail,
                                     "next_attempt_at": now + wait})

    async def close(self) -> None:
        await self.am.close()


def _z(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
