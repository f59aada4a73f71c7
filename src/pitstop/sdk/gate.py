"""``Gate``: answers "may this work start?" from memory, kept live by the stream.

    gate = Gate(["node:web-1"], state_file="/var/lib/worker/gate.json").start()
    if gate.allows("node:web-1", expected_duration=120):
        with gate.work("node:web-1", "build", 120):   # the server's lease: authoritative
            run()

A background thread reads each target's gate document (``GET /v1/targets/{t}/gate``), then
follows ``/v1/events`` and re-reads the documents when something relevant happens, resuming
by event id after a disconnect and polling when streaming is impossible. The documents are
saved to ``state_file`` so a restarted worker knows the last state before it reconnects.

A check is answered by the rules in :mod:`pitstop.sdk.gate_state`. Without a live stream
the answer comes from the last state read, marked ``stale`` with its age; once that is older
than ``stale_after_s`` (or for a target never read) the policy decides: fail-open (default:
allow) or fail-closed (refuse).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from pitstop.sdk.client import AsyncClient, Client
from pitstop.sdk.clock import SYSTEM, Clock
from pitstop.sdk.errors import InMaintenance, PitstopError
from pitstop.sdk.gate_state import TargetState
from pitstop.sdk.leases import AsyncLease, Lease

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
INF = float("inf")
# The events that can change a gate document (the server's ``services.gate.GATE_EVENTS``).
WATCHED = ("maintenance.entered,maintenance.exited,maintenance.joined,maintenance.left,"
           "node.maintenance_entered,"
           "node.maintenance_exited,occurrence.created,occurrence.transitioned,"
           "occurrence.moved,occurrence.deleted,window.created,window.updated,window.deleted,"
           "window.paused,window.resumed,target.created,target.updated")


@dataclass(frozen=True, slots=True)
class Check:
    allowed: bool
    reason: str | None = None
    source: str | None = None
    soon: bool = False  # refused because a window starts before the work would end
    stale: bool = False
    age_s: float = 0.0
    until: float | None = None  # refused: when the refusal ends (epoch seconds), if known
    public: str | None = None  # refused: what anyone may read about why (never a reason)


class Gate:
    def __init__(self, targets: Iterable[str], *, url: str | None = None,
                 token: str | None = None, client: Client | None = None,
                 fail_open: bool = True, stale_after_s: float = 60.0,
                 poll_interval_s: float = 10.0, state_file: str | os.PathLike[str] | None = None,
                 clock: Clock | None = None) -> None:
        self.targets = tuple(targets)
        self.client = client or Client(url, token, clock=clock or SYSTEM)
        self.clock = clock or self.client.clock  # ages, expiries and the poll's backoff
        self.fail_open = fail_open
        self.stale_after_s = stale_after_s
        self.poll_interval_s = poll_interval_s
        self.state_file = Path(state_file) if state_file else None
        self._states: dict[str, TargetState] = {}
        self._synced_at = -INF  # monotonic time of the last successful read
        self._fresh_until = -INF  # INF while the stream is connected
        self._last_event = 0
        self._mode = "starting"
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._read_tickets = itertools.count(1)
        self._stored: dict[str, int] = {}  # target -> ticket of the read its state came from
        self._read_at: dict[str, float] = {}  # target -> monotonic time it was last read
        self._load()

    def start(self) -> Gate:
        """Read the current state (best effort) and follow changes in the background."""
        with contextlib.suppress(PitstopError, httpx.HTTPError):
            self.refresh()
        self._thread = threading.Thread(target=self._run, name="pitstop-gate", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        response = self._response
        if response is not None:  # wake the thread blocked reading the stream
            with contextlib.suppress(Exception):
                response.close()
        if self._thread is not None:  # a daemon: it ends by itself when its read returns
            self._thread.join(1)

    def __enter__(self) -> Gate:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def allows(self, target: str, expected_duration: float | None = None) -> bool:
        """True when work on ``target`` (lasting ``expected_duration`` seconds) may start."""
        state = self._states.get(target)
        if state is None or self.clock.monotonic() > self._fresh_until:
            return self.check(target, expected_duration).allowed
        if not state.blocks:
            return True
        return state.refusal(self.clock.time(), expected_duration) is None

    def check(self, target: str, expected_duration: float | None = None) -> Check:
        """The decision with its reason. Unless the stream is live, the answer comes from
        the last state read of the target (``stale`` and its age); beyond ``stale_after_s``,
        or for a target never read, the policy answers (fail-open allows, fail-closed
        refuses)."""
        now = self.clock.monotonic()
        state = self._states.get(target)
        live = self._mode == "stream" and now <= self._fresh_until
        age = 0.0 if live else now - self._read_at.get(target, -INF)
        if state is None or age > self.stale_after_s:
            what = "unknown" if state is None else f"{age:.0f} s old"
            return Check(self.fail_open, None if self.fail_open else
                         f"the gate's state of {target} is {what}", stale=True, age_s=age)
        block = state.refusal(self.clock.time(), expected_duration)
        if block is None:
            return Check(True, stale=not live, age_s=age)
        soon = block.kind == "window" and block.start > self.clock.time()
        return Check(False, block.reason, block.source, soon, not live, age,
                     None if block.end == INF else block.end, block.public)

    def health(self) -> dict[str, Any]:
        """How the gate knows what it answers: ``mode`` (starting, stream or poll),
        ``stale`` (answers come from state not kept live by the stream, as in
        :class:`Check`), ``age_s`` of the last read, and ``policy`` (True once that is
        older than ``stale_after_s``, so fail-open or fail-closed answers instead)."""
        now = self.clock.monotonic()
        age = now - self._synced_at
        return {"mode": self._mode, "stale": self._mode != "stream" or now > self._fresh_until,
                "policy": now > self._fresh_until,
                "age_s": None if age == INF else round(age, 3),
                "last_event": self._last_event, "targets": sorted(self._states)}

    def work(self, target: str, kind: str, expected_duration: float | None = None,
             holder: str | None = None) -> Work:
        """Hold a server lease for the work (the authoritative admission), heartbeating it:
        ``with gate.work(...) as lease`` in threads, ``async with`` in asyncio code. Raises
        ``InMaintenance`` or ``MaintenanceSoon`` when the server refuses it."""
        return Work(self, target, kind, expected_duration,
                    holder or f"{os.uname().nodename}:{os.getpid()}")

    def job(self, target: str, kind: str, expected_duration: float | None = None
            ) -> Callable[[F], F]:
        """Decorate a job function (plain or ``async def``): refused at once
        (``InMaintenance``, no request) when the gate says no, otherwise run inside
        :meth:`work`'s lease, which the server may still refuse (it is the authority)."""
        def decorate(fn: F) -> F:
            if inspect.iscoroutinefunction(fn):
                @functools.wraps(fn)
                async def run_async(*args: Any, **kwargs: Any) -> Any:
                    self._admit(target, expected_duration)
                    async with self.work(target, kind, expected_duration):
                        return await fn(*args, **kwargs)
                return run_async  # type: ignore[return-value]

            @functools.wraps(fn)
            def run(*args: Any, **kwargs: Any) -> Any:
                self._admit(target, expected_duration)
                with self.work(target, kind, expected_duration):
                    return fn(*args, **kwargs)
            return run  # type: ignore[return-value]
        return decorate

    def _admit(self, target: str, expected_duration: float | None) -> None:
        check = self.check(target, expected_duration)
        if not check.allowed:
            raise InMaintenance(
                f"{target} is in maintenance ({check.source or 'gate'}: {check.reason}); "
                "the job was not started", retry_after=None,
                body={"target": target, "causes": [
                    {"source": check.source, "reason": check.reason}]})

    def watch(self, target: str) -> None:
        """Follow ``target`` too, reading its state now (best effort: until it is read, the
        policy answers for it). For targets known only at run time, such as a job's node."""
        with self._lock:
            if target in self.targets:
                return
            self.targets = (*self.targets, target)
        try:
            self.refresh([target])
        except (PitstopError, httpx.HTTPError):
            with self._lock:  # not read: the next watch() tries again
                self.targets = tuple(t for t in self.targets if t != target)

    def refresh(self, targets: Iterable[str] | None = None) -> None:
        """Read the gate documents now, of ``targets`` or of all (raises when the server
        cannot answer)."""
        ticket = next(self._read_tickets)  # a read begun later saw a newer server state
        read = {t: TargetState(self.client.gate_state(t))
                for t in (self.targets if targets is None else targets)}
        with self._lock:  # the stream's thread and watch() may both be refreshing
            newer = {t: st for t, st in read.items() if self._stored.get(t, 0) < ticket}
            self._stored.update(dict.fromkeys(newer, ticket))
            self._read_at.update(dict.fromkeys(newer, self.clock.monotonic()))
            self._states = {**self._states, **newer}  # a check sees the old map or the new
            if targets is None or self._mode == "stream":  # else the others are as old
                self._synced_at = self.clock.monotonic()
                if self._mode != "stream":
                    self._fresh_until = self._synced_at + self.stale_after_s
        self._save()

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._follow()
                backoff = 0.5
            except (httpx.HTTPError, httpx.StreamError, PitstopError, ValueError) as exc:
                if self._stop.is_set():
                    return
                log.info("gate stream unavailable (%s); polling", exc)
            with self._lock:
                if self._mode == "stream":  # the stream vouched for every state until now
                    self._synced_at = self.clock.monotonic()
                    self._read_at = dict.fromkeys(self._states, self._synced_at)
                self._fresh_until = self._synced_at + self.stale_after_s
                self._mode = "poll"
            self._save()
            with contextlib.suppress(PitstopError, httpx.HTTPError):
                self.refresh()
            self.clock.wait(self._stop, backoff)
            backoff = min(backoff * 2, self.poll_interval_s)

    def _follow(self) -> None:
        """Follow the stream until it ends: each relevant event re-reads the documents."""
        try:
            self._follow_once()
        finally:
            self._response = None

    def _follow_once(self) -> None:
        params = {"types": WATCHED, "after": str(self._last_event)}
        http = self.client._http  # the same base URL and credentials
        with http.stream("GET", "/v1/events", params=params,
                         timeout=httpx.Timeout(10, read=40)) as response:
            if response.status_code != 200:
                raise ValueError(f"the stream answered {response.status_code}")
            self._response = response
            self.refresh()  # anything missed before the stream opened
            with self._lock:
                self._mode, self._fresh_until = "stream", INF
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("id: "):
                    self._last_event = int(line[4:])
                elif line.startswith("event: overflow"):
                    return
                elif line.startswith("data: "):
                    concerned = self._concerned(json.loads(line[6:]))
                    if concerned:
                        self.refresh(concerned)

    def _concerned(self, event: dict[str, Any]) -> tuple[str, ...]:
        """The watched targets an event may change: a switch changes its target (all of
        them for the platform), a relabelled target itself, a window any of them."""
        kind, target = str(event.get("type", "")), event.get("target")
        if kind.startswith(("maintenance.", "node.", "target.")) and target != "platform":
            return (target,) if target in self.targets else ()
        return self.targets

    def _load(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            saved = json.loads(self.state_file.read_text())
            self._states = {t: TargetState(doc) for t, doc in saved["docs"].items()}
            self._last_event = int(saved.get("last_event", 0))
            age = max(0.0, self.clock.time() - saved["saved_at"])  # wall time: across restarts
            self._synced_at = self.clock.monotonic() - age
            self._fresh_until = self._synced_at + self.stale_after_s
            self._read_at = dict.fromkeys(self._states, self._synced_at)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the gate state file %s: %s", self.state_file, exc)

    def _save(self) -> None:
        if self.state_file is None:
            return
        data = {"saved_at": self.clock.time(), "last_event": self._last_event,
                "docs": {t: s.doc for t, s in self._states.items()}}
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".gate-")
        with os.fdopen(fd, "w") as out:
            json.dump(data, out)
        os.replace(tmp, self.state_file)  # atomic: a crash leaves the old file or the new


class Work:
    """A lease for one unit of work, held for a ``with`` or an ``async with`` block."""

    def __init__(self, gate: Gate, target: str, kind: str, expected_duration: float | None,
                 holder: str) -> None:
        self._gate = gate
        self._args = (target, kind, holder)
        self._expected = expected_duration
        self._lease: Lease | None = None
        self._async_lease: AsyncLease | None = None
        self._async_client: AsyncClient | None = None

    def __enter__(self) -> Lease:
        self._lease = self._gate.client.lease(*self._args, expected_duration_s=self._expected)
        return self._lease.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._lease is not None:
            self._lease.__exit__(*exc)

    async def __aenter__(self) -> AsyncLease:
        # A client of its own: an httpx.AsyncClient belongs to the loop that opened it.
        self._async_client = self._gate.client.async_twin()
        self._async_lease = self._async_client.lease(*self._args,
                                                     expected_duration_s=self._expected)
        try:
            return await self._async_lease.__aenter__()
        except BaseException:
            await self._async_client.aclose()
            raise

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._async_lease is not None:
                await self._async_lease.__aexit__(*exc)
        finally:
            if self._async_client is not None:
                await self._async_client.aclose()
