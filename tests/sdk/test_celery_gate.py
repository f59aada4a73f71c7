"""Celery tasks gated by pitstop, with a real Celery worker (in-memory broker) and a real
server: a task for a target in maintenance is put off (or skipped) and runs once the
maintenance ends, judged when it starts rather than when it was prefetched, and a running
task holds a lease, so the drain waits for it."""

from __future__ import annotations

import logging
import threading

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.exceptions import TaskRevokedError
from celery.signals import task_received

from pitstop.sdk import Client, Gate
from pitstop.sdk.celery import GatedTask, gate_tasks
from tests.live import until

RESULT = {"timeout": 15, "interval": 0.02}


@pytest.fixture
def api(server) -> Client:
    api = Client(server.url, server.token)
    for target in ("service:billing", "node:a", "node:b"):
        api.put_target(target)
    return api


@pytest.fixture
def app(server):
    app = Celery("billing", broker="memory://", backend="cache+memory://", task_cls=GatedTask,
                 set_as_current=False)
    app.conf.update(task_default_queue="pitstop-test", worker_hijack_root_logger=False,
                    broker_transport_options={"polling_interval": 0.02})
    gate_tasks(app, lambda: Gate([], client=Client(server.url, server.token)),
               defer_max_s=0.3)
    return app


def _worker(app, **kwargs):
    return start_worker(app, perform_ping_check=False, shutdown_timeout=10, **kwargs)


def test_a_task_for_a_target_in_maintenance_is_put_off_until_it_ends(app, api, caplog):
    ran: list[str] = []

    @app.task(shared=False, pitstop_target="service:billing", pitstop_expected_duration=60)
    def invoice(customer: int) -> str:
        ran.append(f"invoice {customer}")
        return f"invoiced {customer}"

    @app.task(shared=False, pitstop_target="node:{node}")
    def reimage(node: str) -> str:
        ran.append(f"reimage {node}")
        return node

    @app.task(shared=False)
    def untargeted() -> str:
        ran.append("untargeted")
        return "ok"

    with _worker(app), caplog.at_level(logging.WARNING, logger="pitstop.sdk.celery"):
        assert invoice.delay(1).get(**RESULT) == "invoiced 1"
        api.enter("service:billing", "ledger migration")
        api.enter("node:b", "disk swap")
        held = [invoice.delay(2), reimage.delay("b")]  # by position: still its node's
        until(lambda: all(r.state == "RETRY" for r in held), within=10)
        assert "ledger migration" in str(held[0].info) and "disk swap" in str(held[1].info)
        assert reimage.delay(node="a").get(**RESULT) == "a"  # another node's runs
        assert untargeted.delay().get(**RESULT) == "ok"  # a task naming no target too
        # Put off again and again while maintenance lasts (each time for defer_max_s).
        until(lambda: all(caplog.text.count(f"[{r.id}] by") >= 3 for r in held), within=10)
        assert ran == ["invoice 1", "reimage a", "untargeted"]
        api.exit("service:billing", "migrated")
        api.exit("node:b", "swapped")
        assert [r.get(**RESULT) for r in held] == ["invoiced 2", "b"]  # same ids, now run
    assert ran[3:] in (["invoice 2", "reimage b"], ["reimage b", "invoice 2"])
    assert "put off task" in caplog.text and "service:billing is in maintenance" in caplog.text


def test_a_running_task_holds_a_lease_so_the_drain_waits_for_it(app, api):
    started, finish = threading.Event(), threading.Event()

    @app.task(shared=False, pitstop_target="service:billing", pitstop_expected_duration=30)
    def settle() -> str:
        started.set()
        finish.wait(10)
        return "settled"

    with _worker(app, pool="threads", concurrency=2):
        result = settle.delay()
        assert started.wait(10)
        leases = api.list_leases("service:billing")["items"]
        assert [(lease["kind"], lease["holder"].split(":")[0]) for lease in leases] == [
            (settle.name, "celery")]
        entered = api.enter("service:billing", "ledger migration")
        assert entered["target"]["drain"]["safe_to_deploy"] is False  # the task is counted
        finish.set()
        assert result.get(**RESULT) == "settled"
        until(lambda: api.drain("service:billing")["safe_to_deploy"], within=5)


def test_a_task_prefetched_before_the_enter_is_judged_when_it_starts(app, api):
    ran: list[str] = []
    busy, finish = threading.Event(), threading.Event()

    @app.task(shared=False)
    def slow() -> None:
        busy.set()
        finish.wait(10)

    @app.task(shared=False, pitstop_target="service:billing")
    def invoice(customer: int) -> int:
        ran.append(f"invoice {customer}")
        return customer

    received: set[str] = set()

    def on_received(request, **_) -> None:
        received.add(request.id)

    task_received.connect(on_received, weak=False)
    try:
        with _worker(app, pool="threads", concurrency=1):
            slow.delay()
            assert busy.wait(10)
            queued = invoice.delay(7)
            until(lambda: queued.id in received)  # prefetched, waiting for the busy thread
            api.enter("service:billing", "ledger migration")
            finish.set()
            until(lambda: queued.state == "RETRY", within=10)
            assert ran == []
            api.exit("service:billing", "migrated")
            assert queued.get(**RESULT) == 7
    finally:
        task_received.disconnect(on_received)


def test_skip_drops_a_refused_task_as_revoked(server, api):
    app = Celery("skip", broker="memory://", backend="cache+memory://", task_cls=GatedTask,
                 set_as_current=False)
    app.conf.update(worker_hijack_root_logger=False,
                    broker_transport_options={"polling_interval": 0.02})
    gate_tasks(app, lambda: Gate([], client=Client(server.url, server.token)),
               on_refused="skip")
    ran = []

    @app.task(shared=False, pitstop_target="node:{node}")
    def reimage(node: str) -> None:
        ran.append(node)

    api.enter("node:b", "disk swap")
    with _worker(app):
        with pytest.raises(TaskRevokedError):
            reimage.delay("b").get(**RESULT)
        reimage.delay("a").get(**RESULT)
    assert ran == ["a"]


def test_a_target_naming_an_argument_the_task_lacks_fails_the_task(app, api):
    @app.task(shared=False, pitstop_target="node:{host}")
    def reimage(node: str) -> None:
        raise AssertionError("never runs")

    with _worker(app), pytest.raises(ValueError, match="cannot be formatted"):
        reimage.delay("a").get(**RESULT)


def test_gate_tasks_refuses_an_unknown_policy(app):
    with pytest.raises(ValueError, match="'defer' or 'skip'"):
        gate_tasks(app, Gate, on_refused="drop")
