"""kill -9 at random points of a stream of acknowledged operations: after each restart,
nothing that was acknowledged is lost (on SQLite and on PostgreSQL).

A writer thread keeps switching maintenance, creating targets and taking leases, each with
a name of its own, and remembers only what the server acknowledged. The server is killed
with SIGKILL at seeded random moments and started again; at the end, every acknowledged
switch is in the audit history, every acknowledged target exists, and every acknowledged
lease is known to the server.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.live import LiveServer

CRASHES = 4


@dataclass
class Acked:
    reasons: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    leases: set[str] = field(default_factory=set)
    attempts: int = 0


def _one(client: httpx.Client, n: int, acked: Acked, inside: bool) -> bool:
    """One operation; records it when acknowledged. Returns whether the platform is in
    maintenance afterwards (as far as this writer knows)."""
    step = n % 4
    if step == 0:
        r = client.put(f"/v1/targets/service:s-{n}", json={"labels": {"n": str(n)}})
        if r.status_code == 201:
            acked.targets.add(f"service:s-{n}")
        return inside
    if step == 1 and not inside:
        r = client.post("/v1/leases", json={"target": f"service:s-{n - 1}", "kind": "job",
                                            "holder": f"w-{n}", "ttl_s": 3600})
        if r.status_code == 201:
            acked.leases.add(r.json()["id"])
        return inside
    action = "exit" if inside else "enter"
    r = client.post(f"/v1/targets/platform/maintenance/{action}",
                    json={"reason": f"op-{n}"})
    if r.status_code == 200 and r.json()["changed"]:
        acked.reasons.add(f"op-{n}")
        return not inside
    return inside


def _writer(server: LiveServer, acked: Acked, stop: threading.Event) -> None:
    inside, n = False, 0
    with httpx.Client(base_url=server.url, timeout=5,
                      headers={"Authorization": f"Bearer {server.token}"}) as client:
        while not stop.is_set():
            n += 1
            acked.attempts += 1
            try:
                inside = _one(client, n, acked, inside)
            except httpx.HTTPError:  # down, or killed mid-answer: not acknowledged
                time.sleep(0.02)
                # learn where the platform stands before going on
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    inside = client.get("/v1/targets/platform").json()["in_maintenance"]


def _history_reasons(client: httpx.Client) -> set[str]:
    reasons, cursor = set(), None
    while True:
        page = client.get("/v1/history", params={"target": "platform", "limit": 500,
                                                  **({"cursor": cursor} if cursor else {})})
        body = page.json()
        reasons |= {row["reason"] for row in body["items"]}
        cursor = body["next_cursor"]
        if not cursor:
            return reasons


def test_nothing_acknowledged_is_lost_across_kill_9(database_url: str, tmp_path: Path):
    server = LiveServer(tmp_path, database_url).start()
    acked, stop = Acked(), threading.Event()
    writer = threading.Thread(target=_writer, args=(server, acked, stop), daemon=True)
    writer.start()
    chance = random.Random(1207)
    try:
        for _ in range(CRASHES):
            time.sleep(chance.uniform(0.3, 1.5))
            server.kill()
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        writer.join(10)
    try:
        with server.client() as client:
            client.headers["Authorization"] = f"Bearer {server.token}"
            lost = acked.reasons - _history_reasons(client)
            targets = {t["id"] for t in client.get("/v1/targets").json()["items"]}
            leases = {lease["id"] for lease in client.get("/v1/leases").json()["items"]}
    finally:
        server.stop()
    assert len(acked.reasons) > 20 and len(acked.targets) > 10, acked  # the loop did work
    assert not lost, f"{len(lost)} acknowledged switches lost of {len(acked.reasons)}"
    assert acked.targets <= targets, acked.targets - targets
    assert acked.leases <= leases, acked.leases - leases
