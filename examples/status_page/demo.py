"""A daily maintenance window on one of two monitored services, as the public status page
shows it, checking each step.

With the admin token in PITSTOP_TOKEN it starts two small HTTP services, "api" and "web"
(``service.py``), and the monitor (``monitor.py``) that probes their health every half second
and reports it to pitstop. Once the public page shows both Up, it creates a daily window with
the CLI, affecting ``service:web`` with the impact MAINTENANCE, whose first occurrence starts a
few seconds from now by the server's clock and lasts 10 s. When the page shows web in
maintenance it stops web (the deploy), checks that the page shows "Maintenance" with the
realtime "Down" beside it while api stays Up, and starts web again before the window ends.
After the window the page says "All systems operational" again, and the next occurrence is
scheduled a day later. Exits non-zero if any step fails. The window stays for
``pitstop windows show``; a new run replaces it.

    PITSTOP_TOKEN=pst_... python examples/status_page/demo.py
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from pitstop.sdk import Client

HERE = Path(__file__).parent
TITLE = "Web deploy"
LEAD_S, DURATION_S = 5, 10  # the occurrence starts 4-5 s from now and lasts 10 s
INTERVAL_S = 0.5  # the monitor's probe interval: a change shows on the page within ~1 s


def until(what: str, check: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    sys.exit(f"FAILED: {what} (waited {within:.0f} s)")


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def pitstop(*args: str) -> str:
    """Run the pitstop CLI as an operator would (PITSTOP_URL/TOKEN as given), echoing it."""
    print(f"$ {shlex.join(['pitstop', *args])}", flush=True)
    done = subprocess.run([sys.executable, "-m", "pitstop", *args], capture_output=True,
                          text=True, timeout=60)
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != 0:
        sys.exit(f"FAILED: pitstop {' '.join(args[:2])} exited {done.returncode}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL if it has not gone within 10 s."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Service:
    """One ``service.py`` process; it can be stopped and started again on the same port."""

    def __init__(self, name: str, port: int) -> None:
        self.name, self.port = name, port
        self.health = f"http://127.0.0.1:{port}/health"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and return once its /health answers."""
        self.proc = subprocess.Popen([sys.executable, str(HERE / "service.py"), "--port",
                                      str(self.port)])
        until(f"{self.name} answers on port {self.port}", self._up, 5)

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            sys.exit(f"FAILED: {self.name} exited {self.proc.returncode} "
                     f"(is port {self.port} taken?)")
        try:
            return httpx.get(self.health, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        stop(self.proc)


def start_monitor(services: list[Service], log: Path) -> subprocess.Popen[bytes]:
    """``monitor.py`` on both services, reporting to the server in PITSTOP_URL."""
    checks = [arg for s in services for arg in ("--check", f"{s.name}={s.health}")]
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, str(HERE / "monitor.py"), "--interval",
                                 str(INTERVAL_S), *checks], stdout=out, stderr=subprocess.STDOUT)


@dataclass(frozen=True)
class Page:
    """What the public status page shows: the banner's headline, each service's row (its
    displayed status, and the realtime one beside it while in maintenance), and the titles
    of the ongoing and upcoming maintenance."""

    headline: str
    rows: dict[str, str]
    ongoing: list[str]
    upcoming: list[str]

    def text(self) -> str:
        """One line, e.g. '"Maintenance in progress"; api Up; web Maintenance realtime: Down;
        ongoing: Web deploy; upcoming: Web deploy' (one card per window)."""
        rows = "; ".join(f"{name} {row}" for name, row in sorted(self.rows.items()))
        extra = "".join(f"; {kind}: {', '.join(titles)}" for kind, titles in (
            ("ongoing", self.ongoing), ("upcoming", self.upcoming)) if titles)
        return f'"{self.headline}"; {rows}{extra}'


def _text(fragment: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", fragment).split()))


def read_page(url: str) -> Page:
    """GET the public page (``/``, no auth) and read it as a visitor would."""
    body = httpx.get(url + "/", timeout=10).text
    headline = re.search(r'data-testid="banner">.*?<h1>(.*?)</h1>', body, re.S)
    rows = {}
    for name, row in re.findall(r'<li data-testid="service-([^"]+)">(.*?)</li>', body, re.S):
        row = re.sub(r'<span class="feeds">.*?</span>', "", row, flags=re.S)  # its feed links
        rows[name] = _text(row).removeprefix(name).strip()  # the row starts with the name

    def titles(kind: str) -> list[str]:
        return [_text(t) for t in re.findall(rf'data-testid="{kind}"[^>]*>\s*<h3>(.*?)</h3>', body,
                                             re.S)]

    return Page(_text(headline.group(1)) if headline else "", rows, titles("ongoing"),
                titles("upcoming"))


def server_now(client: Client) -> datetime:
    """The server's clock (its Date header: whole seconds, rounded down)."""
    date = httpx.get(client.url + "/health", timeout=10).headers.get("date")
    return parsedate_to_datetime(date) if date else datetime.now(UTC)


def forget_earlier_run(client: Client) -> None:
    """A window left by an earlier run goes, so that its next occurrence is not this one's."""
    for window in client.list_windows()["items"]:
        if window["title"] == TITLE:
            client.delete_window(window["id"])


def create_window(client: Client, zone: str) -> tuple[int, dict[str, Any]]:
    """A daily window on service:web starting LEAD_S from now; returns its id and its first
    occurrence."""
    start = (server_now(client) + timedelta(seconds=LEAD_S)).astimezone(ZoneInfo(zone))
    pitstop("windows", "create", "--title", TITLE, "--start",
            start.strftime("%Y-%m-%dT%H:%M:%S"), "--tz", zone, "--duration", f"{DURATION_S}s",
            "--rrule", "FREQ=DAILY", "--affects", "service:web:MAINTENANCE")
    ids = [w["id"] for w in client.list_windows(target="service:web")["items"]
           if w["title"] == TITLE]
    if not ids:
        sys.exit("FAILED: the window is not listed as affecting service:web")
    first = client.list_occurrences(ids[0])["items"][0]
    say(f"window {ids[0]} (FREQ=DAILY, {DURATION_S} s) affects service:web; its first "
        f"occurrence starts {first['start_local']} ({first['status']})")
    return ids[0], first


def occurrence_status(client: Client, window: int, occurrence: int) -> str:
    items = client.list_occurrences(window)["items"]
    return next((o["status"] for o in items if o["id"] == occurrence), "gone")


def check_before(url: str, shown: list[tuple[str, Page]]) -> None:
    """Both services Up on the page, neither in maintenance."""
    page = until("the page shows api and web Up", lambda: (
        p := read_page(url)).rows.get("api") == "Up" and p.rows.get("web") == "Up" and p)
    say("the page shows api and web Up")
    shown.append(("before the window", page))


def check_planned(url: str, shown: list[tuple[str, Page]]) -> None:
    page = until("the page lists the window as upcoming",
                 lambda: TITLE in (p := read_page(url)).upcoming and p, 5)
    shown.append(("window planned", page))


def check_during(client: Client, url: str, web: Service, window: int, first: dict[str, Any],
                 shown: list[tuple[str, Page]]) -> None:
    """While the occurrence runs: web shows Maintenance with its realtime status beside it,
    Down while it is stopped and Up once it is back; api stays Up and out of maintenance;
    the banner says "Maintenance in progress" and names the window."""
    until("the page shows web in Maintenance", lambda: read_page(url).rows.get(
        "web", "").startswith("Maintenance"), LEAD_S + 5)
    if occurrence_status(client, window, first["id"]) != "ONGOING":
        sys.exit("FAILED: the page shows web in maintenance but the occurrence is not ONGOING")
    say("the occurrence is ONGOING and the page shows web in Maintenance; the deploy stops web")
    web.stop()
    page = until("the page shows web's realtime Down", lambda: "realtime: Down" in (
        p := read_page(url)).rows.get("web", "") and p, 5)
    if page.rows["web"] != "Maintenance realtime: Down":
        sys.exit(f"FAILED: web's row is not Maintenance with realtime Down: {page.rows['web']}")
    if page.rows.get("api") != "Up":
        sys.exit(f"FAILED: api's row changed: {page.rows.get('api')}")
    if page.headline != "Maintenance in progress" or page.ongoing != [TITLE]:
        sys.exit(f"FAILED: the banner does not show the window in progress: {page.text()}")
    say(f"web is Down: the page shows it in Maintenance with realtime: Down beside it, api Up, "
        f'and "{page.headline}" with {TITLE!r}')
    shown.append(("window ongoing, web stopped", page))
    web.start()  # deployed: back before the window ends
    page = until("the page shows web's realtime Up again", lambda: (
        p := read_page(url)).rows.get("web") in ("Maintenance realtime: Up", "Up") and p, 5)
    if page.rows["web"] != "Maintenance realtime: Up":
        sys.exit(f"FAILED: web came back only after the window ended: {page.text()}")
    say("web is started again before the window ends: Maintenance, realtime: Up")
    shown.append(("web back, window ongoing", page))


def check_after(client: Client, url: str, window: int, first: dict[str, Any],
                shown: list[tuple[str, Page]]) -> None:
    """After the occurrence: all operational, web Up and out of maintenance, the occurrence
    COMPLETED."""
    page = until("the page shows all systems operational", lambda: (
        p := read_page(url)).headline == "All systems operational" and p, DURATION_S + 5)
    if page.rows.get("web") != "Up" or page.rows.get("api") != "Up" or page.ongoing:
        sys.exit(f"FAILED: the page after the window: {page.text()}")
    until("the occurrence completes", lambda: occurrence_status(
        client, window, first["id"]) == "COMPLETED", 5)
    say(f'the occurrence COMPLETED: "{page.headline}", web Up and out of maintenance')
    shown.append(("after the window", page))


def check_next_day(client: Client, window: int, first: dict[str, Any]) -> None:
    """The next occurrence is SCHEDULED a day on, at the same wall-clock time."""
    items = client.list_occurrences(window)["items"]
    later = [o for o in items if o["start"] > first["start"]]
    if not later or later[0]["status"] != "SCHEDULED":
        sys.exit(f"FAILED: no next occurrence is scheduled: {items}")
    local = [datetime.fromisoformat(o["start_local"]).replace(tzinfo=None)
             for o in (first, later[0])]
    if local[1] - local[0] != timedelta(days=1):
        sys.exit(f"FAILED: the next occurrence is not a day later: {later[0]['start_local']}")
    say(f"next occurrence: {later[0]['start_local']} ({later[0]['status']}), a day later")
    pitstop("windows", "show", str(window))


def scenario(client: Client, web: Service, zone: str) -> None:
    url = client.url
    shown: list[tuple[str, Page]] = []
    check_before(url, shown)
    window, first = create_window(client, zone)
    check_planned(url, shown)
    check_during(client, url, web, window, first, shown)
    check_after(client, url, window, first, shown)
    check_next_day(client, window, first)
    say(f"what the public page {url}/ showed:")
    width = max(len(step) for step, _ in shown)
    for step, page in shown:
        say(f"  {step:<{width}}  {page.text()}")
    say("ok: every step held")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, help="api's port (default: a free one)")
    parser.add_argument("--web-port", type=int, help="web's port (default: a free one)")
    parser.add_argument("--tz", default="UTC", help="the window's IANA time zone")
    args = parser.parse_args()
    if not os.environ.get("PITSTOP_TOKEN"):
        sys.exit("set PITSTOP_TOKEN to an admin token (pitstop serve prints one)")
    services = [Service("api", args.api_port or free_port()),
                Service("web", args.web_port or free_port())]
    monitor = None
    with tempfile.TemporaryDirectory(prefix="status-page-") as tmp, Client() as client:
        log = Path(tmp) / "monitor.log"
        forget_earlier_run(client)
        try:
            for service in services:
                service.start()
            monitor = start_monitor(services, log)
            scenario(client, services[1], args.tz)
        except SystemExit as exc:
            if exc.code and log.exists():
                print(f"--- the monitor's log\n{log.read_text()}", end="", file=sys.stderr)
            raise
        finally:
            stop(monitor)
            for service in services:
                service.stop()


if __name__ == "__main__":
    main()
