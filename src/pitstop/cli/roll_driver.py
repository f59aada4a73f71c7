"""Driving a roll: up to ``max_unavailable`` workers, each taking one node at a time
through enter -> drain -> command -> health check -> exit, as the server allows.

Each node is entered under the roll's own hold (``roll-<id>``) and released from exactly
that hold: a maintenance someone else holds on the node stays. A failed command or health
check leaves its node in maintenance under the roll's hold (it may be half-done) and stops
the roll; every other way out — success, a drain that times out, Ctrl-C, SIGTERM, SIGHUP —
releases it. Signals reach only the main thread: it tells the workers to stop, each passes
the signal to its command, and they undo what they did before the CLI exits.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from pitstop import clock
from pitstop.cli.common import Context, console, err_console
from pitstop.cli.process import CommandFailedToStart, Interrupted, interruptible, run_until
from pitstop.sdk import Client, PitstopError

CLAIM_WAIT_MS = 2000  # the server answers at once on a change; this bounds a stop's delay


@dataclass(frozen=True)
class Check:
    """The health check a node must pass before it leaves maintenance."""

    url: str | None = None
    cmd: str | None = None
    timeout_s: float = 10.0
    retries: int = 3
    interval_s: float = 2.0

    def describe(self) -> str | None:
        return f"url {self.url}" if self.url else f"cmd {self.cmd}" if self.cmd else None

    @classmethod
    def parse(cls, text: str | None, **options: Any) -> Check:
        """From the text stored with the roll (``url ...`` / ``cmd ...``)."""
        kind, _, rest = (text or "").partition(" ")
        return cls(url=rest if kind == "url" else None, cmd=rest if kind == "cmd" else None,
                   **options)


def substitute(args: list[str], node: str) -> list[str]:
    """The command for one node: ``{node}`` in each argument (no shell: nothing to quote)."""
    return [a.replace("{node}", node) for a in args]


class StepFailed(Exception):
    def __init__(self, message: str, *, keep: bool) -> None:
        super().__init__(message)
        self.keep = keep  # leave the node in maintenance under the roll's hold


class Driver:
    def __init__(self, ctx: Context, roll: dict[str, Any], driver: str, check: Check,
                 drain_timeout_s: float) -> None:
        self.ctx, self.roll, self.driver, self.check = ctx, roll, driver, check
        self.id, self.hold = roll["id"], roll["hold"]
        self.drain_timeout_s = drain_timeout_s
        self.signum: int | None = None
        self.stopped = threading.Event()  # a signal: every worker stops what it does
        self.halted = False  # the server refused a claim: no new node starts
        self.failures: list[str] = []
        self.kept: list[str] = []
        self._said: set[str] = set()

    def say(self, node: str | None, text: str, *, error: bool = False) -> None:
        out = err_console if error else console
        out.print(f"[{node}] {text}" if node else text, highlight=False, soft_wrap=True,
                  markup=False)

    def run(self) -> int | None:
        """Drive until nothing is left to start; the signal number if interrupted."""
        workers = [threading.Thread(target=self._work, name=f"roll-{self.id}-{i}")
                   for i in range(self.roll["max_unavailable"])]
        with interruptible() as signals:
            try:
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
            except Interrupted as stop:
                signals.undoing()  # from now on the workers undo; further signals are noted
                self.signum = stop.signum
                self.stopped.set()
                self.say(None, f"interrupted by {stop}; stopping every node in progress",
                         error=True)
                for worker in workers:
                    if worker.ident is not None:  # the signal may come before all started
                        worker.join()
        return self.signum

    def _work(self) -> None:
        with self.ctx.client() as client:
            while not self.stopped.is_set() and not self.halted:
                try:
                    claim = client.claim_roll_step(self.id, self.driver,
                                                   wait_ms=CLAIM_WAIT_MS)
                except PitstopError as exc:
                    self._give_up(f"the server refused the next step: {exc.detail}")
                    return
                if claim["next"] == "start":
                    self._node(client, claim["node"], claim["command_done"])
                elif claim["next"] == "wait":
                    self._once(f"waiting: {claim['why']}")
                else:
                    return

    def _once(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.say(None, text)

    def _give_up(self, message: str) -> None:
        self.failures.append(message)
        self.say(None, f"error: {message}", error=True)
        self.halted = True

    def _move(self, client: Client, node: str, status: str, message: str | None = None
              ) -> None:
        client.move_roll_step(self.id, node, self.driver, status, message)

    def _node(self, client: Client, node: str, command_done: bool) -> None:
        """One node, start to end; whatever happens, the step ends reported and the hold
        released unless the failure keeps it."""
        entered = False
        try:
            entered = self._enter(client, node)
            if not entered:
                return
            self._steps(client, node, command_done)
            self._leave(client, node, "roll step done")
            self._move(client, node, "done")
            self.say(node, "done; left maintenance")
        except StepFailed as exc:
            self._fail(client, node, str(exc), keep=exc.keep, entered=entered)
        except PitstopError as exc:
            self._fail(client, node, f"server error: {exc.detail}", keep=False,
                       entered=entered)

    def _enter(self, client: Client, node: str) -> bool:
        """Take the roll's hold on the node; False when a budget refused it (the step goes
        back to pending and waits)."""
        self.say(node, "entering maintenance")
        try:
            client.node_maintenance(node, enter=True, reason=self.roll["reason"],
                                    hold=self.hold)
        except PitstopError as exc:
            if exc.status == 403 and str(exc.body.get("type", "")).endswith(
                    "/disruption-budget"):
                self._move(client, node, "pending", exc.detail)
                self._once(f"waiting: {exc.detail}")
                return False
            raise StepFailed(f"could not enter maintenance: {exc.detail}", keep=False
                             ) from None
        return True

    def _steps(self, client: Client, node: str, command_done: bool) -> None:
        self._move(client, node, "draining")
        drain = self._drain(client, f"node:{node}")
        self._interrupted()
        if not drain["safe_to_deploy"]:
            raise StepFailed(f"not safe after {self.drain_timeout_s:g}s "
                             f"({drain['in_flight']} in flight); nothing was run", keep=False)
        self._move(client, node, "running")
        if command_done:
            self.say(node, "its command succeeded before; checking its health again")
        else:
            self._command(node)
        self._move(client, node, "checking")
        problem = self._check(node)
        if problem:
            raise StepFailed(f"health check failed: {problem}", keep=True)

    def _drain(self, client: Client, target: str) -> dict[str, Any]:
        """Wait until nothing is in flight on ``target`` (the server answers as soon as it
        is, and counts no stale work), the timeout, or a stop."""
        deadline = clock.monotonic() + self.drain_timeout_s
        drain = client.drain(target)
        while not drain["safe_to_deploy"] and not self.stopped.is_set():
            remaining = deadline - clock.monotonic()
            if remaining <= 0 or not drain["in_maintenance"]:
                break
            self._once(f"[{target}] draining: {drain['in_flight']} in flight")
            drain = client.drain(target, wait_ms=max(1, int(min(1.0, remaining) * 1000)))
        return drain

    def _interrupted(self) -> None:
        if self.signum is not None:
            raise StepFailed(f"interrupted by signal {self.signum}", keep=False)

    def _command(self, node: str) -> None:
        argv = substitute(self.roll["command"], node)
        self.say(node, "running: " + shlex.join(argv))
        try:
            code = run_until(argv, lambda: self.signum)
        except CommandFailedToStart as exc:
            raise StepFailed(str(exc), keep=False) from None
        self._interrupted()
        if code != 0:
            raise StepFailed(f"command failed with exit code {code}", keep=True)

    def _check(self, node: str) -> str | None:
        """None when the node is healthy; else what its last attempt answered."""
        check = self.check
        if not check.url and not check.cmd:
            return None
        last = ""
        for attempt in range(1, check.retries + 1):
            last = self._probe(node)
            if not last:
                self.say(node, "healthy")
                return None
            self.say(node, f"health check {attempt}/{check.retries}: {last}")
            if attempt < check.retries and self.stopped.wait(check.interval_s):
                self._interrupted()
        return last

    def _probe(self, node: str) -> str:
        check = self.check
        if check.url:
            url = check.url.replace("{node}", node)
            try:
                status = httpx.get(url, timeout=check.timeout_s).status_code
            except httpx.HTTPError as exc:  # the node may be rebooting: the next try tells
                return f"{url}: {type(exc).__name__}: {exc}"
            return "" if status == 200 else f"{url} answered HTTP {status}"
        command = (check.cmd or "").replace("{node}", shlex.quote(node))
        try:
            done = subprocess.run(["sh", "-c", command], timeout=check.timeout_s,
                                  capture_output=True, text=True, check=False)
        except subprocess.TimeoutExpired:
            return f"{command!r} did not finish within {check.timeout_s:g}s"
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        return "" if done.returncode == 0 else \
            f"{command!r} exited {done.returncode} {tail[0]}".rstrip()

    def _leave(self, client: Client, node: str, why: str) -> None:
        client.node_maintenance(node, enter=False, reason=f"{why}: {self.roll['reason']}"[:500],
                                hold=self.hold)

    def _fail(self, client: Client, node: str, message: str, *, keep: bool,
              entered: bool) -> None:
        """Report the step failed (the roll stops) and release the hold unless kept."""
        self.failures.append(f"{node}: {message}")
        self.say(node, f"failed: {message}", error=True)
        if entered and keep:
            self.kept.append(node)
            self.say(node, f"stays in maintenance under hold {self.hold}", error=True)
        elif entered:
            try:
                self._leave(client, node, "roll step failed")
            except PitstopError as exc:
                self.say(node, f"could not release hold {self.hold}: {exc.detail}",
                         error=True)
        try:
            self._move(client, node, "failed", message[:2000])
        except PitstopError as exc:
            self.say(node, f"could not report the failure: {exc.detail}", error=True)
