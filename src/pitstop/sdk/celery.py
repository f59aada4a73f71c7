"""Celery tasks that wait out maintenance of their target (``pip install 'pitstop[celery]'``).

    from pitstop.sdk import Gate
    from pitstop.sdk.celery import GatedTask, gate_tasks

    app = Celery("billing", task_cls=GatedTask)          # or @app.task(base=GatedTask)
    gate_tasks(app, lambda: Gate(["service:billing"]))   # one Gate per worker process

    @app.task(pitstop_target="service:billing", pitstop_expected_duration=120)
    def invoice(customer_id): ...

    @app.task(pitstop_target="node:{node}")   # formatted with the call's arguments
    def reimage(node): ...

Right before a task with a ``pitstop_target`` runs, the gate is asked (locally), then the
server, which grants the task a lease for as long as it runs: the drain counts it, and
``drain.safe`` waits for it. When either refuses, the task does not run. By default it is
put off: the same task (same id, arguments and retry count) is sent again after the time
the refusal names (at most ``defer_max_s``), and its state reads RETRY with the reason.
``on_refused="skip"`` drops it instead: its result is REVOKED. The worker logs the
maintenance reason either way.

Why a task base and not a signal: Celery logs and ignores what a ``task_prerun`` handler
raises, and ``task_received`` fires when a worker prefetches a task, which may be long
before it runs. A task's ``__call__`` runs in the pool, just before the task's body.

Edge cases:
- A task without a target, or called directly or eagerly (no worker), runs ungated.
- A ``pitstop_target`` naming an argument the call lacks fails the task with that error.
- The gate is made by the factory once per worker process (a prefork child cannot use its
  parent's connections or thread); a target it does not follow yet is read at first use.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from celery.exceptions import Ignore, Retry

from pitstop.sdk.errors import InMaintenance
from pitstop.sdk.gate import Gate

log = logging.getLogger(__name__)
GateFactory = Callable[[], Gate]
_configs: weakref.WeakKeyDictionary[Celery, _Config] = weakref.WeakKeyDictionary()


class _Config:
    def __init__(self, factory: GateFactory, on_refused: str, defer_max_s: float) -> None:
        self.factory, self.on_refused, self.defer_max_s = factory, on_refused, defer_max_s
        self._gate: Gate | None = None
        self._pid = 0
        self._lock = threading.Lock()  # a threads pool's first tasks make one gate, not several

    def gate(self) -> Gate:
        with self._lock:
            if self._gate is None or self._pid != os.getpid():  # none yet, or a forked child
                self._gate, self._pid = self.factory().start(), os.getpid()
            return self._gate


def gate_tasks(app: Celery, gate: GateFactory, *, on_refused: str = "defer",
               defer_max_s: float = 60.0) -> None:
    """Gate ``app``'s :class:`GatedTask` tasks with the Gate that ``gate()`` makes (one per
    worker process). A refused task is put off (``"defer"``: sent again after the
    refusal's wait, at most ``defer_max_s``) or dropped (``"skip"``: REVOKED)."""
    if on_refused not in ("defer", "skip"):
        raise ValueError(f"on_refused must be 'defer' or 'skip', not {on_refused!r}")
    _configs[app] = _Config(gate, on_refused, defer_max_s)


class TargetInMaintenance(Exception):
    """A task put off because its target is in maintenance; the message says why."""


class GatedTask(Task):  # type: ignore[misc]
    """A task that runs only when its ``pitstop_target`` is not in maintenance, holding a
    pitstop lease while it runs."""

    pitstop_target: str | None = None
    pitstop_expected_duration: float | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        config = _configs.get(self.app)
        request = self.request
        if config is None or request.called_directly or request.is_eager:
            return super().__call__(*args, **kwargs)
        target = self.pitstop_target_of(args, kwargs)
        if target is None:
            return super().__call__(*args, **kwargs)
        gate = config.gate()
        gate.watch(target)
        check = gate.check(target, self.pitstop_expected_duration)
        if not check.allowed:
            wait = max(1.0, check.until - gate.clock.time()) if check.until else config.defer_max_s
            self._refuse(config, target, f"{check.source or 'gate'}: {check.reason}", wait)
        work = gate.work(target, self.name, self.pitstop_expected_duration,
                         holder=f"celery:{request.hostname}:{request.id}")
        try:
            work.__enter__()  # the server's admission: authoritative
        except InMaintenance as exc:
            self._refuse(config, target, exc.detail, exc.retry_after or config.defer_max_s)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            work.__exit__(None, None, None)

    def pitstop_target_of(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
        """The target this call works on: ``pitstop_target`` formatted with the call's
        arguments by name (``"node:{node}"``), or None when the task names none."""
        if not self.pitstop_target:
            return None
        try:
            named = inspect.signature(self.run).bind_partial(*args, **kwargs).arguments
            return self.pitstop_target.format(**named)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"task {self.name}: pitstop_target {self.pitstop_target!r} "
                             f"cannot be formatted with this call's arguments ({exc!r}); "
                             "name only parameters the task takes") from exc

    def _refuse(self, config: _Config, target: str, reason: str, wait: float) -> None:
        """Put the task off or drop it; raises what tells the worker which."""
        request = self.request
        if config.on_refused == "skip":
            log.warning("skipped task %s[%s]: %s is in maintenance (%s)", self.name,
                        request.id, target, reason)
            self.backend.mark_as_revoked(request.id, f"{target} in maintenance: {reason}",
                                         request=request)
            raise Ignore()
        wait = min(wait, config.defer_max_s)
        log.warning("put off task %s[%s] by %.0f s: %s is in maintenance (%s)", self.name,
                    request.id, wait, target, reason)
        again = self.signature_from_request(request, countdown=wait)
        again.apply_async()  # the same id, arguments and retry count
        raise Retry(exc=TargetInMaintenance(f"{target} is in maintenance ({reason}); "
                                            f"again in {wait:.0f} s"), when=wait, sig=again)
