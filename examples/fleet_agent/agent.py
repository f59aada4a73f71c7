"""An example fleet agent: runs its node's workloads as subprocesses, as pitstop says.

Each workload in the config is ``{"name": ..., "command": [...]}``. New ones are started,
gone ones stopped; when the node enters maintenance the config's ``workloads`` is ``[]``, so
every workload stops, and they start again when it exits. What runs is reported with each
heartbeat and written to ``--state`` (JSON: workload -> pid) for anyone watching.

    python agent.py --url http://127.0.0.1:8080 --token pst_... [--no-push] [--state s.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pitstop.sdk.agent import Agent


class Subprocesses:
    """Workloads as child processes."""

    def __init__(self, state: Path | None) -> None:
        self.procs: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        self.state = state

    def apply(self, config: dict[str, Any]) -> None:
        wanted = {w["name"]: w for w in config.get("workloads", []) if isinstance(w, dict)}
        for name in [n for n in self.procs if n not in wanted]:
            proc, _ = self.procs.pop(name)
            proc.terminate()
            proc.wait(5)
            logging.info("stopped %s", name)
        for name, spec in wanted.items():
            if name not in self.procs or self.procs[name][0].poll() is not None:
                proc = subprocess.Popen(spec["command"])
                self.procs[name] = (proc, datetime.now(UTC).isoformat())
                logging.info("started %s (pid %s)", name, proc.pid)
        self._write_state()

    def running(self) -> list[dict[str, str]]:
        return [{"workload": name, "started_at": started}
                for name, (proc, started) in sorted(self.procs.items()) if proc.poll() is None]

    def stop_all(self) -> None:
        self.apply({"workloads": []})

    def _write_state(self) -> None:
        if self.state is not None:
            tmp = self.state.with_suffix(".tmp")
            tmp.write_text(json.dumps({n: p.pid for n, (p, _) in self.procs.items()}))
            os.replace(tmp, self.state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("PITSTOP_URL"))
    parser.add_argument("--token", default=os.environ.get("PITSTOP_AGENT_TOKEN"))
    parser.add_argument("--no-push", action="store_true", help="plain polling only")
    parser.add_argument("--state", type=Path, help="write workload -> pid here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s agent %(message)s")
    workloads = Subprocesses(args.state)
    agent = Agent(args.url, args.token, workloads, version="example-1.0",
                  push=not args.no_push)
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    try:
        agent.run()
    finally:
        workloads.stop_all()
        agent.close()


if __name__ == "__main__":
    main()
