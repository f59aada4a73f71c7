"""Domain exceptions shared by every layer.

They carry what a user needs to fix the problem; ``pitstop.api.problems`` maps each class to one
RFC 9457 problem type and HTTP status in one place.
"""

from __future__ import annotations

from typing import Any


class PitstopError(Exception):
    """Base class: ``detail`` says what happened and what to change."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidInput(PitstopError):
    """Input that passed the schema but breaks a rule (a past expiry, a bad name...)."""

    def __init__(self, detail: str, *, field: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.field = field


class TooLarge(InvalidInput):
    """A document over its size limit (413): ``field`` names it, ``limit`` is in bytes."""


class NotFound(PitstopError):
    pass


class Conflict(PitstopError):
    pass


class InvalidTransition(Conflict):
    pass


class DeliverySuperseded(Conflict):
    """A dead notification cannot be sent again: a newer one about the same subject exists on
    its channel, and sending the old one last would leave the receiver with an outdated state."""


class InMaintenance(PitstopError):
    """New work refused: the target is in maintenance. ``retry_after`` in seconds, if known."""

    def __init__(
        self, detail: str, *, target: str, causes: list[dict[str, Any]], retry_after: int | None
    ) -> None:
        super().__init__(detail, target=target, causes=causes, retry_after=retry_after)
        self.target = target
        self.causes = causes
        self.retry_after = retry_after


class MaintenanceSoon(PitstopError):
    """New work refused: it would still be running when a gating window starts."""

    def __init__(self, detail: str, *, target: str, occurrence: dict[str, Any],
                 retry_after: int) -> None:
        super().__init__(detail, target=target, occurrence=occurrence, retry_after=retry_after)
        self.retry_after = retry_after


class Unauthorized(PitstopError):
    pass


class InvalidToken(Unauthorized):
    """A token was sent and matches none (never issued, or revoked)."""


class Forbidden(PitstopError):
    pass


class BudgetExceeded(Forbidden):
    """Entering a node would put more nodes matching a disruption budget's selector in
    maintenance than it allows; ``budget`` names it, ``in_maintenance`` the nodes counted."""


class RateLimited(PitstopError):
    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class ChannelFailed(PitstopError):
    """A notification channel's receiver did not accept a message (a test send)."""


class DatabaseUnavailable(PitstopError):
    """The database cannot be reached (connection refused or lost, a timeout, a SQLite file
    locked or failing): a state that passes, not a bug. ``kind`` names the error without
    its message (for public pages); ``reason`` has both (for logs and the problem detail)."""

    def __init__(self, *, kind: str, reason: str, retry_after: int = 5) -> None:
        super().__init__(f"the database is unreachable ({reason}); the request can be "
                         f"retried in a few seconds", retry_after=retry_after)
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after
