"""The Celery hook with a real Celery worker (in-memory broker) and a real pitstop server:
tasks for a target in maintenance are skipped (REVOKED, never run) with the reason logged,
others run, and tasks run again once maintenance ends."""

from __future__ import annotations

import logging

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.exceptions import TaskRevokedError

from pitstop.sdk import Client, Gate
from pitstop.sdk.celery import gate_tasks
from tests.live import until


@pytest.fixture
def app():
    app = Celery("billing", broker="memory://", backend="cache+memory://", set_as_current=False)
    app.conf.update(task_default_queue="pitstop-test", worker_hijack_root_logger=False,
                    broker_transport_options={"polling_interval": 0.05})
    return app


def test_tasks_for_a_target_in_maintenance_are_skipped_and_others_run(server, app, caplog):
    api = Client(server.url, server.token)
    for target in ("service:billing", "node:a", "node:b"):
        api.put_target(target)
    ran: list[str] = []

    @app.task(pitstop_target="service:billing", pitstop_expected_duration=60)
    def invoice(customer: int) -> str:
        ran.append(f"invoice {customer}")
        return f"invoiced {customer}"

    @app.task(pitstop_target="node:{node}")
    def reimage(node: str) -> str:
        ran.append(f"reimage {node}")
        return node

    @app.task
    def untargeted() -> str:
        ran.append("untargeted")
        return "ok"

    skipped = []
    with Gate(["service:billing"], client=Client(server.url, server.token)) as gate:
        until(lambda: gate.health()["mode"] == "stream")
        remove = gate_tasks(app, gate, on_skip=lambda request, check: skipped.append(
            (request.name.rsplit(".", 1)[-1], check.reason)))
        try:
            with start_worker(app, perform_ping_check=False, shutdown_timeout=10), \
                    caplog.at_level(logging.WARNING, logger="pitstop.sdk.celery"):
                assert invoice.delay(1).get(timeout=10, interval=0.02) == "invoiced 1"

                api.enter("service:billing", "ledger migration")
                api.enter("node:b", "disk swap")
                until(lambda: not gate.allows("service:billing"), within=1.0)
                held = [invoice.delay(2), reimage.delay(node="b")]
                for result in held:
                    with pytest.raises(TaskRevokedError):
                        result.get(timeout=10, interval=0.02)
                # Another node's task runs, and so does one with no target.
                assert reimage.delay(node="a").get(timeout=10, interval=0.02) == "a"
                assert untargeted.delay().get(timeout=10, interval=0.02) == "ok"

                api.exit("service:billing", "migrated")
                until(lambda: gate.allows("service:billing"), within=1.0)
                assert invoice.delay(3).get(timeout=10, interval=0.02) == "invoiced 3"
        finally:
            remove()

    assert ran == ["invoice 1", "reimage a", "untargeted", "invoice 3"]
    assert [r.state for r in held] == ["REVOKED", "REVOKED"]
    assert skipped == [("invoice", "ledger migration"), ("reimage", "disk swap")]
    assert "service:billing is in maintenance (service:billing: ledger migration)" \
        in caplog.text
