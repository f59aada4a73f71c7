"""examples/status_page end to end, with real processes: two services, the monitor, the
server, and a recurring window made with the CLI. While the window runs and its service is
down, the public page shows "Maintenance" with the realtime "Down" beside it; after it,
"All systems operational"."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.live import LiveServer, free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "status_page"


def _service(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(EXAMPLE / "service.py"), "--port", str(port)])
    _until(lambda: _up(port))
    return proc


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _until(check, within: float = 15.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError("timed out")


def _row(live: LiveServer, name: str) -> str:
    html = httpx.get(live.url + "/", timeout=5).text
    match = re.search(rf'<li data-testid="service-{name}">(.*?)</li>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def test_a_window_shows_maintenance_with_the_realtime_status_beside_it(tmp_path):
    live = LiveServer(tmp_path).start()
    api_port, web_port = free_port(), free_port()
    procs = [_service(api_port)]
    web = _service(web_port)
    monitor = subprocess.Popen(
        [sys.executable, str(EXAMPLE / "monitor.py"), "--interval", "0.3",
         "--check", f"api=http://127.0.0.1:{api_port}/health",
         "--check", f"web=http://127.0.0.1:{web_port}/health"], env=live.env())
    procs.append(monitor)
    try:
        _until(lambda: "Up" in _row(live, "web") and "Up" in _row(live, "api"))
        start = datetime.now(UTC) + timedelta(seconds=4)
        created = live.cli("windows", "create", "--title", "Web deploy", "--start",
                           start.strftime("%Y-%m-%dT%H:%M:%S"), "--tz", "UTC",
                           "--duration", "8s", "--rrule", "FREQ=DAILY",
                           "--affects", "service:web:MAINTENANCE")
        assert created.returncode == 0, created.stderr
        _until(lambda: "Maintenance" in _row(live, "web"), within=10)
        web.kill()  # the deploy takes the service down during its window
        web.wait()
        _until(lambda: "realtime: Down" in _row(live, "web"))
        row = _row(live, "web")
        assert "Maintenance" in row and "realtime: Down" in row
        assert "Up" in _row(live, "api") and "Maintenance" not in _row(live, "api")
        html = httpx.get(live.url + "/").text
        assert "Maintenance in progress" in html and "Web deploy" in html
        web = _service(web_port)  # deployed: back before the window ends
        _until(lambda: "All systems operational" in httpx.get(live.url + "/").text,
               within=15)
        assert "Up" in _row(live, "web") and "Maintenance" not in _row(live, "web")
    finally:
        for proc in (*procs, web):
            proc.kill()
            proc.wait()
        live.stop()
