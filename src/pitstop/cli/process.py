"""Running a user's command so that the CLI can always undo what it did around it.

SIGTERM (a CI runner cancelling the job) and SIGHUP (a closed terminal) are turned into an
exception in the main thread, like Ctrl-C is, so ``finally`` blocks and context managers run:
a deploy releases its maintenance hold, ``work run`` its lease. The command is given the
signal (once) and a grace period to stop before the CLI undoes anything.

A call that changes the server's state (taking or releasing a hold or a lease) must not be
cut in half: the server may have done it while the CLI never learns so. Within
:meth:`Signals.deferred` a signal is only noted, and raised once the call is over, so the
CLI always knows what it holds; once it is undoing, further signals are noted and dropped
(a second Ctrl-C cannot leave a hold behind).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from types import FrameType

GRACE_S = 10.0
POLL_S = 0.2  # how soon a command run from a thread hears that the CLI stops
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):  # like KeyboardInterrupt: not an error of the program
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


class Signals:
    """The CLI's handler for SIGINT, SIGTERM and SIGHUP while :func:`interruptible`."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self._deferring = 0

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._deferring:
            self.pending = self.pending or signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def noted(self) -> Iterator[None]:
        """Finish the block whatever arrives; a signal that came meanwhile stays pending."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Finish the block whatever arrives; a signal that came meanwhile is raised
        after it."""
        with self.noted():
            yield
        self.raise_pending()

    def raise_pending(self) -> None:
        if self.pending is not None and not self._deferring:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)

    def undoing(self) -> None:
        """From now on (the CLI is undoing what it did) signals are noted, never raised."""
        self._deferring += 1


@contextlib.contextmanager
def interruptible() -> Iterator[Signals]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (or wait
    for the end of a :meth:`Signals.deferred` block)."""
    signals = Signals()
    before = {s: signal.signal(s, signals.handle) for s in SIGNALS}
    try:
        yield signals
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def run_command(command: list[str], signals: Signals) -> int:
    """Run ``command`` to its end and return its exit code. When the CLI is interrupted, the
    command gets the signal, ``GRACE_S`` to finish, then SIGKILL; then the
    :class:`Interrupted` goes on to the caller. The CLI never loses hold of the command: a
    signal during the start is raised once the command's handle is kept."""
    process: subprocess.Popen[bytes] | None = None
    try:
        with signals.noted():
            process = _start(command)
        signals.raise_pending()
        return process.wait()
    except Interrupted as stop:
        signals.undoing()
        if process is not None:
            _stop(process, stop.signum)
        raise


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(command)
    except FileNotFoundError:
        raise CommandFailedToStart(f"command not found: {command[0]}", EXIT_NOT_FOUND) from None
    except PermissionError:
        raise CommandFailedToStart(f"command not executable: {command[0]}",
                                   EXIT_NOT_EXECUTABLE) from None


def _reached_it(signum: int) -> bool:
    """A Ctrl-C typed at a terminal reaches every process in its foreground group: the
    command has it already, and a second one would make many tools stop uncleanly."""
    if signum != signal.SIGINT:
        return False
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):  # no terminal: the signal was sent to the CLI alone
        return False


def _stop(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None and not _reached_it(signum):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)
    try:
        process.wait(GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_until(command: list[str], stopping: Callable[[], int | None]) -> int:
    """Run ``command`` to its end and return its exit code, from a thread other than the
    main one (which alone gets signals): once ``stopping()`` names a signal, the command
    gets it, ``GRACE_S`` to finish, then SIGKILL."""
    process = _start(command)
    while True:
        try:
            return process.wait(POLL_S)
        except subprocess.TimeoutExpired:
            signum = stopping()
            if signum is not None:
                _stop(process, signum)
                return process.wait()
