"""The CLI's signal handling: a call that changes the server is never cut in half, a command
is never left running without the CLI, and undoing is not interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from pitstop.cli import process
from pitstop.cli.process import Interrupted, interruptible, run_command
from tests.live import alive


def test_a_signal_during_a_deferred_call_is_raised_once_the_call_is_over():
    done = []
    with interruptible() as signals, pytest.raises(Interrupted) as stopped, signals.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        done.append("the call finished")  # not cut in half
    assert done == ["the call finished"]
    assert stopped.value.exit_code == 143


def test_while_undoing_a_second_signal_is_dropped():
    released = []
    with interruptible() as signals:
        signals.undoing()
        os.kill(os.getpid(), signal.SIGINT)
        released.append("the hold was released")
    assert released == ["the hold was released"]


def test_a_signal_as_the_command_starts_stops_the_command_instead_of_orphaning_it(
        monkeypatch):
    started: list[subprocess.Popen[bytes]] = []
    real_start = process._start

    def start_then_signal(command: list[str]) -> subprocess.Popen[bytes]:
        child = real_start(command)
        started.append(child)
        os.kill(os.getpid(), signal.SIGTERM)  # arrives before the CLI holds the handle
        return child

    monkeypatch.setattr(process, "_start", start_then_signal)
    monkeypatch.setattr(process, "GRACE_S", 5.0)
    with interruptible() as signals, pytest.raises(Interrupted):
        run_command([sys.executable, "-c", "import time; time.sleep(60)"], signals)
    [child] = started
    assert child.poll() is not None and not alive(child.pid)
    assert child.returncode == -signal.SIGTERM  # told to stop once, and it did
