"""The "deploy": stop the running scheduler (if any), then start a new one in the background.

The scheduler's pid is kept in ``RUN/scheduler.pid``, its output in ``RUN/scheduler.log``
and its cycle journal in ``RUN/cycles.jsonl``. A stop is SIGTERM: the scheduler finishes
the cycle it is in (there is none once pitstop says it is safe) and exits.

    python examples/duel_cycle/restart.py --run run --port 8301
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCHEDULER = Path(__file__).with_name("scheduler.py")


def stop(pidfile: Path, within: float = 30.0) -> None:
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return  # nothing running
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"stopped scheduler {pid}", flush=True)
            return
        time.sleep(0.05)
    sys.exit(f"scheduler {pid} did not stop within {within:.0f} s")


def start(run: Path, port: int, extra: list[str]) -> int:
    run.mkdir(parents=True, exist_ok=True)
    with (run / "scheduler.log").open("ab") as out:
        proc = subprocess.Popen([sys.executable, str(SCHEDULER), "--port", str(port), "--log",
                                 str(run / "cycles.jsonl"), *extra], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    (run / "scheduler.pid").write_text(str(proc.pid))
    print(f"started scheduler {proc.pid}", flush=True)
    return proc.pid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("run"), help="pid, log and journal")
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--stop", action="store_true", help="only stop it")
    args, extra = parser.parse_known_args()  # the rest goes to the scheduler
    stop(args.run / "scheduler.pid")
    if not args.stop:
        start(args.run, args.port, extra)


if __name__ == "__main__":
    main()
