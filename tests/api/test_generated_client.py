"""A client generated with openapi-python-client from the served /openapi.json drives pitstop
the way a team's own tooling would: enter and exit maintenance, acquire and release a lease,
create a window and list its occurrences.

The generated client parses every answer into the typed model the document names for its
status (it raises on a status the document does not list), so a response that drifts from its
schema, or an error that is not the documented problem+json, fails here. Each parsed model is
turned back into JSON and compared with what the server sent: a field the document forgot, or
one typed wrongly, shows up as a difference.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.live import LiveServer

PACKAGE = "pitstop_api_client"
BERLIN = ZoneInfo("Europe/Berlin")
# The generator reads JSON, text/* and octet-stream bodies; images (the badges' SVG, the
# page's logo) it takes as bytes (its documented content_type_overrides), as any client would.
IMAGES = ("image/svg+xml", "image/png", "image/jpeg", "image/webp")
CONFIG = (f"post_hooks: []\nproject_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n"
          "content_type_overrides:\n"
          + "".join(f"  {media}: application/octet-stream\n" for media in IMAGES))


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path, database_url).start()
    yield live
    live.stop()


def _forget_client() -> None:
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.fixture
def generated(server: LiveServer, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package, generated from the running server's document."""
    out = tmp_path / "client"
    out.mkdir()
    (out / "openapi.json").write_text(httpx.get(server.url + "/openapi.json").text)
    (out / "config.yaml").write_text(CONFIG)
    run = subprocess.run(
        [str(Path(sys.executable).parent / "openapi-python-client"), "generate",
         "--path", "openapi.json", "--meta", "none", "--output-path", PACKAGE,
         "--config", "config.yaml", "--fail-on-warning"],
        cwd=out, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr  # a warning is a defect of the document
    _forget_client()
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        _forget_client()


def _call(tag: str, operation: str) -> Any:
    """The generated module of one operation (its ``sync_detailed`` sends it)."""
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}").sync_detailed


def _models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def parsed(response: Any, model: str) -> Any:
    """The typed answer, checked: of the documented model, and the same JSON the server sent
    (nothing dropped, nothing retyped)."""
    assert response.status_code < 300, response.content
    body = response.parsed
    assert type(body).__name__ == model, f"{type(body).__name__} is not {model}"
    sent = httpx.Response(200, content=response.content).json()
    assert _normal(body.to_dict()) == _normal(sent)
    return body


def _normal(value: Any) -> Any:
    """JSON with times compared as instants (``Z`` and ``+00:00`` are one time)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _next_monday_0230() -> datetime:
    """02:30 Berlin wall time on a Monday at least a week ahead (the window is in the
    future whenever the test runs)."""
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    return datetime.combine(day + timedelta(days=-day.weekday() % 7), time(2, 30))


def test_a_generated_client_drives_maintenance_leases_and_windows(
        server: LiveServer, generated: ModuleType) -> None:
    models = _models()
    client = generated.AuthenticatedClient(base_url=server.url, token=server.token,
                                           raise_on_unexpected_status=True)
    with client:
        target = parsed(_call("targets", "put_target")(
            target="service:checkout", client=client,
            body=models.TargetBody.from_dict({"labels": {"team": "payments"}})), "Target")
        assert target.id == "service:checkout" and target.in_maintenance is False
        entered = parsed(_call("targets", "targets_enter")(
            target="service:checkout", client=client,
            body=models.EnterBody(reason="upgrade postgres")), "MaintenanceChange")
        assert entered.outcome == "entered"

        acquire = _call("leases", "leases_acquire")
        refused = acquire(client=client, body=models.LeaseBody(
            target="service:checkout", kind="job", holder="runner-1"))
        assert refused.status_code == 503
        assert isinstance(refused.parsed, models.Problem)
        assert refused.parsed.type_ == "/problems/maintenance"

        exited = parsed(_call("targets", "targets_exit")(
            target="service:checkout", client=client,
            body=models.ExitBody(reason="upgrade done")), "MaintenanceChange")
        assert exited.outcome == "exited"

        lease = parsed(acquire(client=client, body=models.LeaseBody(
            target="service:checkout", kind="job", holder="runner-1")), "Lease")
        assert isinstance(lease.acquired_at, datetime)
        released = _call("leases", "leases_release")(lease_id=lease.id, client=client)
        assert released.status_code == 204

        first = _next_monday_0230()  # Europe/Berlin; DST never changes on a Monday
        window = parsed(_call("windows", "create_window")(client=client, body=models.WindowBody(
            title="kernel patching", start=first.isoformat(), timezone="Europe/Berlin",
            duration="PT1H", rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3",
            affects=[models.Affect(selector="platform")])), "Window")
        occurrences = parsed(_call("windows", "window_occurrences")(
            window_id=window.id, client=client, projected=True,
            to=(first + timedelta(weeks=4)).strftime("%Y-%m-%dT%H:%M:%SZ")), "OccurrenceList")
        assert [o.start for o in occurrences.items] == [
            (first + timedelta(weeks=n)).replace(tzinfo=BERLIN).astimezone(UTC)
            for n in range(3)]
