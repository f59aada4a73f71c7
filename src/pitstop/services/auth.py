"""Authentication (token -> principal, from memory; a token created by another process,
such as ``pitstop admin recover``, from the database once) and role checks."""

from __future__ import annotations

from pitstop import clock
from pitstop.errors import Forbidden, InvalidToken, RateLimited, Unauthorized
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Principal, principal_from_row
from pitstop.services.tokens import hash_token
from pitstop.storage import tokens as tokens_q

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


async def authenticate(rt: Runtime, secret: str | None, address: str) -> Principal:
    """The principal for ``secret``. Only failures are limited: a valid token is served
    even from an address that is blocked (a stale CI secret on the same build host must
    not lock the admin out); an invalid one from a blocked address gets 429.

    A secret that memory does not know is looked up in the database before it is refused:
    a token written there by another process (``pitstop admin recover`` on the server's
    host) works without a restart. The limiter runs before that lookup, so a stale secret
    sent in a loop costs at most ``auth_failures_per_minute`` queries before it is blocked.
    """
    if not secret:  # not a guess: nothing to limit
        raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
    token_hash = hash_token(secret)
    principal = rt.state.tokens.get(token_hash)
    if principal is not None:
        return principal
    now = clock.now()
    retry = rt.limiter.retry_after(address, now)
    if retry is not None:
        raise RateLimited(
            f"too many failed authentication attempts from {address}; try again in {retry} s",
            retry_after=retry,
        )
    principal = await _stored_principal(rt, token_hash)
    if principal is not None:
        return principal
    rt.limiter.record_failure(address, now)
    raise InvalidToken("invalid or revoked token: check PITSTOP_TOKEN or create a new token")


async def _stored_principal(rt: Runtime, token_hash: str) -> Principal | None:
    """An active token the snapshot has not heard of, kept in memory from now on."""
    async with rt.db.read() as conn:
        row = await tokens_q.get_active_by_hash(conn=conn, token_hash=token_hash)
    if row is None:
        return None
    principal = principal_from_row(row)
    rt.state.tokens[token_hash] = principal
    return principal


def authorize(principal: Principal, permission: str) -> Principal:
    allowed = PERMISSIONS[permission]
    if principal.role not in allowed:
        roles = ", ".join(sorted(allowed))
        raise Forbidden(
            f"token {principal.name!r} has role {principal.role}; this needs one of: {roles}",
            role=principal.role,
        )
    return principal
