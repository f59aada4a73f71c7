"""Authentication (token -> principal, from memory) and role checks."""

from __future__ import annotations

from pitstop import clock
from pitstop.errors import Forbidden, InvalidToken, RateLimited, Unauthorized
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Principal
from pitstop.services.tokens import hash_token

# What each permission admits. Workers run work: leases, and reading the targets they gate on.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "operator", "viewer", "worker"}),
    "audit": frozenset({"admin", "operator", "viewer"}),
    "operate": frozenset({"admin", "operator"}),
    "lease": frozenset({"admin", "operator", "worker"}),
    "report": frozenset({"admin", "operator", "worker"}),  # a service's realtime status
    "admin": frozenset({"admin"}),
    "agent": frozenset({"agent"}),  # the agent endpoints; its node's data only
    # agents: their own node's events only; workers: the events that change a gate only
    "stream": frozenset({"admin", "operator", "viewer", "agent", "worker"}),
}


def authenticate(rt: Runtime, secret: str | None, address: str) -> Principal:
    """The principal for ``secret``. Only failures are limited: a valid token is served
    even from an address that is blocked (a stale CI secret on the same build host must
    not lock the admin out); an invalid one from a blocked address gets 429."""
    if not secret:  # not a guess: nothing to limit
        raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
    principal = rt.state.tokens.get(hash_token(secret))
    if principal is not None:
        return principal
    now = clock.now()
    retry = rt.limiter.retry_after(address, now)
    if retry is not None:
        raise RateLimited(
            f"too many failed authentication attempts from {address}; try again in {retry} s",
            retry_after=retry,
        )
    rt.limiter.record_failure(address, now)
    raise InvalidToken("invalid or revoked token: check PITSTOP_TOKEN or create a new token")


def authorize(principal: Principal, permission: str) -> Principal:
    allowed = PERMISSIONS[permission]
    if principal.role not in allowed:
        roles = ", ".join(sorted(allowed))
        raise Forbidden(
            f"token {principal.name!r} has role {principal.role}; this needs one of: {roles}",
            role=principal.role,
        )
    return principal
