"""Maintenance for the length of a block: take a hold on entry, release exactly that hold
on every way out (success, an exception, Ctrl-C).

    with client.maintenance("platform", "release 45") as hold:
        hold.wait_safe(300)
        deploy()

The hold has a name of its own, so the block never ends a maintenance someone else entered:
if others hold the target too, it stays in maintenance after the block, held by them.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pitstop.sdk.errors import Conflict, PitstopError

if TYPE_CHECKING:
    from pitstop.sdk.client import AsyncClient, Client

log = logging.getLogger(__name__)


def new_hold_key(prefix: str = "sdk") -> str:
    """A hold name no one else uses: ``deploy-3f9a0c1e``."""
    return f"{prefix}-{secrets.token_hex(4)}"


def _maybe_taken(exc: BaseException) -> bool:
    """Whether an enter that raised may still have taken the hold on the server: it got no
    answer (unreachable, a timeout, an interrupt), or a server error."""
    if isinstance(exc, PitstopError):
        return exc.status is None or exc.status >= 500
    return True


class _HoldBase:
    def __init__(self, target: str, reason: str, *, public_message: str | None = None,
                 expires_at: datetime | str | None = None, exit_reason: str | None = None,
                 hold: str | None = None) -> None:
        self.target, self.reason, self.key = target, reason, hold or new_hold_key()
        self._enter_args: dict[str, Any] = {"public_message": public_message,
                                            "expires_at": expires_at, "hold": self.key}
        self._exit_reason = exit_reason
        self.entered: dict[str, Any] = {}
        self.exited: dict[str, Any] | None = None

    def _why_exit(self, exc: BaseException | None) -> str:
        if self._exit_reason:
            return self._exit_reason
        how = "done" if exc is None else f"ended by {type(exc).__name__}"
        return f"{self.reason} ({how})"[:500]

    @property
    def still_in_maintenance(self) -> bool | None:
        """After the block: whether the target stays in maintenance (held by others)."""
        if self.exited is None:
            return None
        return bool(self.exited["target"]["in_maintenance"])

    def _released(self, exc: BaseException | None, error: PitstopError | None) -> None:
        if error is None:
            return
        if isinstance(error, Conflict):  # an admin ended it for all: nothing left to undo
            log.warning("hold %s on %s was already released: %s", self.key, self.target, error)
            return
        if exc is None:
            raise error
        log.error("could not release hold %s on %s: %s", self.key, self.target, error)


class MaintenanceHold(_HoldBase):
    def __init__(self, client: Client, target: str, reason: str, **kwargs: Any) -> None:
        super().__init__(target, reason, **kwargs)
        self._client = client

    def __enter__(self) -> MaintenanceHold:
        try:
            self.entered = self._client.enter(self.target, self.reason, **self._enter_args)
        except BaseException as exc:
            if _maybe_taken(exc):  # no answer: the server may hold it for us all the same
                with contextlib.suppress(PitstopError):
                    self._client.exit(self.target, self._why_exit(exc), hold=self.key)
            raise
        return self

    def wait_safe(self, timeout_s: float) -> bool:
        """Wait (event-driven, on the server) until nothing is in flight."""
        drain = self._client.drain(self.target, wait_ms=int(timeout_s * 1000))
        return bool(drain["safe_to_deploy"])

    def __exit__(self, _type: object, exc: BaseException | None, _tb: object) -> None:
        error = None
        try:
            self.exited = self._client.exit(self.target, self._why_exit(exc), hold=self.key)
        except PitstopError as failed:
            error = failed
        self._released(exc, error)


class AsyncMaintenanceHold(_HoldBase):
    def __init__(self, client: AsyncClient, target: str, reason: str, **kwargs: Any) -> None:
        super().__init__(target, reason, **kwargs)
        self._client = client

    async def __aenter__(self) -> AsyncMaintenanceHold:
        try:
            self.entered = await self._client.enter(self.target, self.reason,
                                                    **self._enter_args)
        except BaseException as exc:
            if _maybe_taken(exc):
                with contextlib.suppress(PitstopError):
                    await self._client.exit(self.target, self._why_exit(exc), hold=self.key)
            raise
        return self

    async def wait_safe(self, timeout_s: float) -> bool:
        drain = await self._client.drain(self.target, wait_ms=int(timeout_s * 1000))
        return bool(drain["safe_to_deploy"])

    async def __aexit__(self, _type: object, exc: BaseException | None, _tb: object) -> None:
        error = None
        try:
            self.exited = await self._client.exit(self.target, self._why_exit(exc),
                                                  hold=self.key)
        except PitstopError as failed:
            error = failed
        self._released(exc, error)
