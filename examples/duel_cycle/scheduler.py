"""A cyclic game scheduler: idle -> betting -> fighting -> resolving -> idle, forever.

Each cycle runs under a pitstop lease on ``service:duel`` and reports its phase on it, so
``pitstop deploy`` sees what is in flight and waits for the cycle to finish. The next cycle
is asked for the moment one ends, and starts only when its lease is granted: while the
service is in maintenance the scheduler sits idle, holding no lease. Every cycle start (at
the server's lease time), finish, and refusal is appended to ``--log`` as a JSON line;
``GET /health`` answers 200 with the current phase.

    python examples/duel_cycle/scheduler.py --port 8301 --log run/cycles.jsonl

PITSTOP_URL and PITSTOP_TOKEN say where pitstop is and which token to use.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pitstop.sdk import Gate, InMaintenance

TARGET = "service:duel"
PHASES = ("betting", "fighting", "resolving")
log = logging.getLogger("duel")


class Scheduler:
    def __init__(self, gate: Gate, journal: Path, idle_s: float,
                 phases: dict[str, float]) -> None:
        self.gate = gate
        self.journal = journal
        self.idle_s = idle_s
        self.phases = phases
        self.phase = "idle"
        self.cycle = 0
        self.stopping = threading.Event()
        self._held: str | None = None

    @property
    def cycle_s(self) -> float:
        return self.idle_s + sum(self.phases.values())

    def run(self) -> None:
        """Begin the next cycle as soon as one ends; while refused, sit idle and look again.
        A stop (SIGTERM) is honoured between cycles: the one in progress always finishes."""
        while not self.stopping.is_set():
            if not self._begin():
                self.phase = "idle"
                self.stopping.wait(0.2)

    def _begin(self) -> bool:
        check = self.gate.check(TARGET, self.cycle_s)  # local: no request while refused
        if not check.allowed:
            self._hold(f"{check.source} in maintenance: {check.reason}")
            return False
        try:
            with self.gate.work(TARGET, "cycle", self.cycle_s,
                                holder=f"duel-scheduler:{os.getpid()}") as lease:
                self._play(lease)
        except InMaintenance as exc:  # the server is the authority: not this cycle
            self._hold(exc.detail)
            return False
        return True

    def _play(self, lease: Any) -> None:
        self.cycle += 1
        self._held = None
        self._record("started", at=lease.data["acquired_at"])
        for phase, seconds in (("idle", self.idle_s), *self.phases.items()):
            self.phase = phase
            lease.set_phase(phase)  # pitstop's drain shows it
            time.sleep(seconds)  # a phase is never cut short, even when stopping
        self._record("finished")

    def _hold(self, reason: str) -> None:
        if reason != self._held:  # once per refusal, not every idle tick
            self._held = reason
            self._record("held", reason=reason)

    def _record(self, event: str, **fields: Any) -> None:
        entry = {"event": event, "cycle": self.cycle, "pid": os.getpid(), "t": time.time(),
                 **fields}
        with self.journal.open("a") as out:
            out.write(json.dumps(entry) + "\n")
        log.info("cycle %s %s %s", self.cycle, event, fields.get("reason", ""))


class Health(BaseHTTPRequestHandler):
    scheduler: Scheduler

    def do_GET(self) -> None:
        if self.path != "/health":
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({"status": "ok", "phase": self.scheduler.phase,
                           "cycle": self.scheduler.cycle, "pid": os.getpid(),
                           "gate": self.scheduler.gate.health()}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--log", type=Path, default=Path("cycles.jsonl"))
    parser.add_argument("--idle", type=float, default=0.5, help="seconds idle in a cycle")
    for phase, default in zip(PHASES, (1.0, 2.0, 1.0), strict=True):
        parser.add_argument(f"--{phase}", type=float, default=default,
                            help=f"seconds of {phase}")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    gate = Gate([TARGET], stale_after_s=30).start()
    scheduler = Scheduler(gate, args.log, args.idle,
                          {phase: getattr(args, phase) for phase in PHASES})
    Health.scheduler = scheduler
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stopping.set())
    log.info("scheduler up on :%s, pid %s", args.port, os.getpid())
    scheduler.run()  # returns between cycles once SIGTERM has asked it to stop
    server.shutdown()
    gate.close()


if __name__ == "__main__":
    main()
