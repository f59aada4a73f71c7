"""The loop the outbox's workers run (deliveries, silences): work, then sleep until woken or
until more is due; an outage or a failure of one pass never ends the loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pitstop.errors import DatabaseUnavailable
from pitstop.storage.outage import log_unavailable

QUIET_S = 30.0  # one log line per outage this often, not one per pass
RETRY_S = 1.0


async def run_worker(run_once: Callable[[], Awaitable[float]], wake: asyncio.Event,
                     what: str, log: logging.Logger) -> None:
    """Call ``run_once`` (which returns the seconds until more is due) forever.

    A database outage is logged by ``log_unavailable`` (the database check reports it) and
    any other failure with its traceback; both are retried after a second.
    """
    while True:
        wake.clear()
        try:
            delay = await run_once()
        except DatabaseUnavailable as exc:
            log_unavailable(log, what, exc, every_s=QUIET_S)
            delay = RETRY_S
        except Exception:
            log.exception("%s failed; retrying in 1 s", what)
            delay = RETRY_S
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await wake.wait()
