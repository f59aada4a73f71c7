"""A monitor: checks each service's health URL every few seconds and reports its realtime
status to pitstop (UP, DEGRADED when slow, DOWN when unreachable or failing).

    PITSTOP_TOKEN=... python examples/status_page/monitor.py \\
        --check api=http://127.0.0.1:8101/health --check web=http://127.0.0.1:8102/health
"""

from __future__ import annotations

import argparse
import logging
import time

import httpx

from pitstop.sdk import Client, PitstopError, Unreachable

SLOW_S = 1.0
log = logging.getLogger("monitor")


def probe(http: httpx.Client, url: str) -> tuple[str, str | None]:
    started = time.monotonic()
    try:
        response = http.get(url, timeout=3)
    except httpx.HTTPError as exc:
        return "DOWN", f"unreachable: {type(exc).__name__}"
    if response.status_code != 200:
        return "DOWN", f"health answered HTTP {response.status_code}"
    if time.monotonic() - started > SLOW_S:
        return "DEGRADED", "slow health check"
    return "UP", None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="append", required=True, metavar="NAME=URL")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--url", help="pitstop's URL (default $PITSTOP_URL)")
    args = parser.parse_args()
    checks = dict(item.split("=", 1) for item in args.check)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    reported: dict[str, str] = {}
    with Client(args.url) as pit, httpx.Client() as http:
        while True:
            for name, url in checks.items():
                status, message = probe(http, url)
                try:
                    pit.report_status(name, status, message)
                except (Unreachable, PitstopError) as exc:
                    log.warning("could not report %s: %s", name, exc)
                    continue
                if reported.get(name) != status:
                    log.info("%s is %s%s", name, status, f" ({message})" if message else "")
                    reported[name] = status
            time.sleep(args.interval)


if __name__ == "__main__":
    main()
