"""API tokens: created with a secret shown once, stored as a hash, revoked."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.targets import validate_reason
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services.events import Event
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import principal_from_row
from pitstop.storage import audit as audit_q
from pitstop.storage import tokens as tokens_q

ROLES = ("admin", "operator", "viewer", "worker")
PREFIX = "pst_"


@functools.lru_cache(maxsize=4096)
def hash_token(secret: str) -> str:
    # Tokens are 256-bit random strings: a fast hash is enough. Memoised (bounded) because
    # every request hashes its token, and executors send the same one thousands of times.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedToken:
    id: str
    name: str
    role: str
    secret: str
    row: dict[str, Any]


def token_json(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "role": row["role"],
            "created_at": row["created_at"], "created_by": row["created_by"],
            "revoked_at": row["revoked_at"], "node": row.get("node")}


async def insert_token(
    *, conn: AsyncConnection, name: str, role: str, actor: str, node: str | None = None,
    secret: str | None = None, reason: str | None = None,
) -> tuple[CreatedToken, Event]:
    """Store a new token (and its audit row) in the caller's transaction; the event to
    publish after the commit puts it in the snapshot."""
    secret = secret or PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    row = {"id": secrets.token_hex(6), "name": name, "role": role, "hash": hash_token(secret),
           "created_at": now, "created_by": actor, "revoked_at": None, "node": node}
    await tokens_q.insert_token(conn=conn, values=row)
    await audit_q.append_audit(conn=conn, at=now, actor=actor, action="token.created",
                               target=node, reason=reason,
                               details={"after": {"id": row["id"], "name": name, "role": role}})
    event = Event("token.created", node, now, {"id": row["id"]},
                  (row["hash"], principal_from_row(row)))
    return CreatedToken(row["id"], name, role, secret, row), event


async def create_token(
    *, rt: Runtime, name: str, role: str, actor: str, secret: str | None = None
) -> CreatedToken:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}: use one of {', '.join(ROLES)} (agent "
                           "tokens come with POST /v1/nodes)", field="role")
    try:
        async with rt.db.write() as conn:
            created, event = await insert_token(conn=conn, name=name, role=role, actor=actor,
                                                secret=secret)
    except IntegrityError:
        raise Conflict(f"a token named {name!r} already exists; revoke it or choose another "
                       "name", field="name") from None
    rt.publish([event])
    return created


async def list_tokens(*, rt: Runtime, include_revoked: bool = False) -> list[dict[str, Any]]:
    async with rt.db.read() as conn:
        rows = await tokens_q.list_tokens(conn=conn, include_revoked=include_revoked)
    return [token_json(r) for r in rows]


async def revoke_token(*, rt: Runtime, token_id: str, actor: str) -> None:
    """Revoke a token; refuses to revoke the last admin token (nobody could manage tokens)."""
    now = clock.now()
    async with rt.db.write() as conn:
        row = await tokens_q.get_token(conn=conn, token_id=token_id)
        if row is None or row["revoked_at"] is not None:
            raise NotFound(f"no active token with id {token_id!r}", token=token_id)
        if row["role"] == "admin" and await tokens_q.count_active_admins(conn=conn) <= 1:
            raise Conflict("this is the last admin token; create another admin token before "
                           "revoking it", token=token_id)
        await tokens_q.revoke_token(conn=conn, token_id=token_id, at=now)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="token.revoked",
                                   target=None, reason=None,
                                   details={"before": {"id": token_id, "name": row["name"],
                                                       "role": row["role"]}})
    rt.publish([Event("token.revoked", None, now, {"id": token_id}, token_id)])


async def ensure_admin(*, rt: Runtime, secret: str | None) -> str | None:
    """If no admin token exists, create one (from ``secret`` when given).

    Returns the new secret when one was generated (to be printed once), else None.
    """
    async with rt.db.read() as conn:
        if await tokens_q.count_active_admins(conn=conn) > 0:
            return None
    created = await create_token(rt=rt, name="admin", role="admin", actor="system",
                                 secret=secret)
    return None if secret else created.secret


async def recover_admin(*, rt: Runtime, actor: str, reason: str) -> CreatedToken:
    """A new admin token for when every admin secret is lost: written straight to the
    database by ``pitstop admin recover`` on the server's host, audited with who and why.
    A running server finds it in the database on its first use (services.auth)."""
    try:
        reason = validate_reason(reason)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="reason") from None
    name = "admin-recovered-" + clock.now().strftime("%Y%m%d-%H%M%S")
    try:
        async with rt.db.write() as conn:
            created, _ = await insert_token(conn=conn, name=name, role="admin", actor=actor,
                                            reason=reason)
    except IntegrityError:
        raise Conflict(f"a token named {name!r} was created this second; run the command "
                       "again", field="name") from None
    return created
