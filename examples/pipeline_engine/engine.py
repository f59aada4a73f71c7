"""A small pipeline engine that obeys pitstop's platform maintenance.

Runs are submitted over HTTP and run as subprocesses (``pipeline.py``), a few at a time.
While the platform is in maintenance, a new submission is refused (503, with the
maintenance reason) and queued runs wait, saying why; runs already going hold a pitstop
lease, so they finish and count in the drain. When maintenance ends the queue resumes.

    python examples/pipeline_engine/engine.py --port 8201 --workers 2

    POST /runs {"pipeline": "web", "seconds": 3}   -> 201 {"id": 1, "state": "queued", ...}
    GET  /runs                                    -> every run, with state and note
    GET  /health                                  -> the engine's and its gate's health

PITSTOP_URL and PITSTOP_TOKEN say where pitstop is and which token to use.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import threading
from collections import deque
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pitstop.sdk import Gate, InMaintenance

TARGET = "platform"
PIPELINE = Path(__file__).with_name("pipeline.py")
log = logging.getLogger("engine")


@dataclass
class Run:
    id: int
    pipeline: str
    seconds: float
    state: str = "queued"  # queued -> running -> succeeded | failed
    note: str | None = None  # why a queued run waits


class Engine:
    def __init__(self, gate: Gate, workers: int) -> None:
        self.gate = gate
        self.workers = workers
        self.runs: dict[int, Run] = {}
        self.queue: deque[Run] = deque()
        self.changed = threading.Condition()

    def start(self) -> None:
        for n in range(self.workers):
            threading.Thread(target=self._work, name=f"worker-{n}", daemon=True).start()

    def submit(self, pipeline: str, seconds: float) -> Run:
        """Queue a run; raises ``InMaintenance`` while the gate refuses new work."""
        check = self.gate.check(TARGET, seconds)
        if not check.allowed:
            raise InMaintenance(f"new runs are refused: {check.reason}", retry_after=None,
                                body={"causes": [{"source": check.source,
                                                  "reason": check.reason}]})
        with self.changed:
            run = Run(len(self.runs) + 1, pipeline, seconds)
            self.runs[run.id] = run
            self.queue.append(run)
            self.changed.notify()
        log.info("queued run %s (%s)", run.id, pipeline)
        return run

    def listing(self) -> list[dict[str, Any]]:
        with self.changed:
            return [asdict(run) for run in self.runs.values()]

    def _work(self) -> None:
        while True:
            run = self._next()
            try:
                with self.gate.work(TARGET, "pipeline", run.seconds,
                                    holder=f"engine:{run.id}") as lease:
                    self._set(run, "running", None)
                    code = self._execute(run, lease)
                self._set(run, "succeeded" if code == 0 else "failed", None)
            except InMaintenance as exc:  # the server refused: wait at the head of the queue
                self._hold(run, _reason(exc))

    def _next(self) -> Run:
        """The next queued run, once the gate allows new work."""
        with self.changed:
            while True:
                if self.queue:
                    check = self.gate.check(TARGET, self.queue[0].seconds)
                    if check.allowed:
                        return self.queue.popleft()
                    for run in self.queue:
                        run.note = f"waiting: platform in maintenance ({check.reason})"
                self.changed.wait(0.2)  # the gate changes without telling us: look again

    def _execute(self, run: Run, lease: Any) -> int:
        proc = subprocess.Popen([sys.executable, str(PIPELINE), "--name", run.pipeline,
                                 "--seconds", str(run.seconds)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("step: "):
                lease.set_phase(line[6:].strip())  # the drain shows what each run is doing
        return proc.wait()

    def _hold(self, run: Run, reason: str) -> None:
        with self.changed:
            run.state, run.note = "queued", f"waiting: platform in maintenance ({reason})"
            self.queue.appendleft(run)

    def _set(self, run: Run, state: str, note: str | None) -> None:
        with self.changed:
            run.state, run.note = state, note
        log.info("run %s %s", run.id, state)


def _reason(exc: InMaintenance) -> str:
    return "; ".join(str(c.get("reason")) for c in exc.causes if c.get("reason")) or exc.detail


class Handler(BaseHTTPRequestHandler):
    engine: Engine

    def do_GET(self) -> None:
        if self.path == "/runs":
            self._reply(200, self.engine.listing())
        elif self.path == "/health":
            self._reply(200, {"status": "ok", "gate": self.engine.gate.health(),
                              "accepting": self.engine.gate.check(TARGET).allowed})
        else:
            self._reply(404, {"title": "Not found", "detail": f"no route {self.path}"})

    def do_POST(self) -> None:
        if self.path != "/runs":
            return self._reply(404, {"title": "Not found", "detail": f"no route {self.path}"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            pipeline, seconds = str(body["pipeline"]), float(body.get("seconds", 3))
        except (ValueError, KeyError, TypeError):
            return self._reply(422, {"title": "Invalid run", "detail":
                                     'send {"pipeline": "name", "seconds": 3}'})
        try:
            self._reply(201, asdict(self.engine.submit(pipeline, seconds)))
        except InMaintenance as exc:
            self._reply(503, {"title": "Platform in maintenance", "status": 503,
                              "detail": exc.detail, "reason": _reason(exc)})

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/problem+json" if status >= 400
                         else "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    gate = Gate([TARGET], stale_after_s=30).start()
    Handler.engine = Engine(gate, args.workers)
    Handler.engine.start()
    log.info("accepting runs on http://127.0.0.1:%s/runs", args.port)
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
