"""Skip Celery tasks whose target is in maintenance (``pip install 'pitstop[celery]'``).

    from pitstop.sdk import Gate
    from pitstop.sdk.celery import gate_tasks

    gate = Gate(["service:billing"]).start()
    gate_tasks(app, gate)

    @app.task(pitstop_target="service:billing", pitstop_expected_duration=120)
    def invoice(customer_id): ...

    @app.task(pitstop_target="node:{node}")   # formatted with the call's keyword arguments
    def reimage(node): ...

The hook listens to the worker's ``task_received`` signal. When the gate refuses a task's
target, the task is revoked before it reaches the pool: it never runs, its result is
REVOKED, and the worker logs the maintenance reason. It has to be then: Celery logs and
ignores what a ``task_prerun`` handler raises, so no later signal can stop a task.

Edge cases:
- A task without a target, or of another app, is left alone.
- A target the gate does not follow yet is read once, when the first task for it arrives.
- The answer is the gate's local one (its fail-open or fail-closed policy included), taken
  when the worker receives the task. A task with an ETA or countdown is left alone, since
  it is judged when due, not when received: guard its body with ``Gate.job`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Celery, signals
from celery.worker import state as worker_state

from pitstop.sdk.gate import Check, Gate

log = logging.getLogger(__name__)
TargetOf = Callable[[Any], "str | None"]


def task_target(request: Any) -> str | None:
    """The target a received task works on: its ``pitstop_target`` option, formatted with
    the call's keyword arguments (``"node:{node}"``), or None."""
    spec = getattr(request.task, "pitstop_target", None)
    if not spec:
        return None
    try:
        return str(spec).format(**(request.kwargs or {}))
    except (KeyError, IndexError) as exc:
        log.warning("task %s[%s]: pitstop_target %r needs keyword argument %s; not gated",
                    request.name, request.id, spec, exc)
        return None


def gate_tasks(app: Celery, gate: Gate, *, target_of: TargetOf = task_target,
               on_skip: Callable[[Any, Check], None] | None = None
               ) -> Callable[[], None]:
    """Revoke ``app``'s tasks whose target ``gate`` refuses, as the worker receives them.

    ``target_of(request)`` names a task's target (None: not gated); the default reads the
    ``pitstop_target`` task option. ``on_skip(request, check)`` is called for each task
    skipped. Returns a function that removes the hook."""
    def received(sender: Any = None, request: Any = None, **_: Any) -> None:
        if request is None or request.task.app is not app or request.eta:
            return
        target = target_of(request)
        if target is None:
            return
        gate.watch(target)
        check = gate.check(target, getattr(request.task, "pitstop_expected_duration", None))
        if check.allowed:
            return
        worker_state.revoked.add(request.id)  # the worker skips it before the pool
        log.warning("skipped task %s[%s]: %s is in maintenance (%s: %s)", request.name,
                    request.id, target, check.source or "gate", check.reason)
        if on_skip is not None:
            on_skip(request, check)

    signals.task_received.connect(received, weak=False)
    return lambda: signals.task_received.disconnect(received)
