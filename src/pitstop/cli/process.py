"""Running a user's command so that the CLI can always undo what it did around it.

SIGTERM (a CI runner cancelling the job) and SIGHUP (a closed terminal) are turned into an
exception in the main thread, like Ctrl-C is, so ``finally`` blocks and context managers run:
a deploy releases its maintenance hold, ``work run`` its lease. The command is given the
same signal and a grace period to stop before the CLI undoes anything.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from types import FrameType

GRACE_S = 10.0
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


class Interrupted(BaseException):
    """The CLI was told to stop: Ctrl-C, SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class CommandFailedToStart(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`."""
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = {s: signal.signal(s, _raise) for s in sigs}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def run_command(command: list[str]) -> int:
    """Run ``command`` to its end and return its exit code. When the CLI is interrupted, the
    command gets the signal too, ``GRACE_S`` to finish, then SIGKILL; then the
    :class:`Interrupted` goes on to the caller."""
    try:
        process = subprocess.Popen(command)
    except FileNotFoundError:
        raise CommandFailedToStart(f"command not found: {command[0]}", EXIT_NOT_FOUND) from None
    except PermissionError:
        raise CommandFailedToStart(f"command not executable: {command[0]}",
                                   EXIT_NOT_EXECUTABLE) from None
    try:
        return process.wait()
    except Interrupted as stop:
        _stop(process, stop.signum)
        raise


def _stop(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)  # on a terminal's Ctrl-C it has it already
    try:
        process.wait(GRACE_S)
    except (subprocess.TimeoutExpired, Interrupted):  # a second Ctrl-C: stop waiting
        process.kill()
        process.wait()
