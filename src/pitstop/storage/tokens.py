"""API tokens (only their hashes are stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import tokens


async def insert_token(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(tokens.insert().values(**values))


async def list_tokens(*, conn: AsyncConnection, include_revoked: bool = False) -> list[RowMapping]:
    stmt = select(tokens).order_by(tokens.c.created_at, tokens.c.id)
    if not include_revoked:
        stmt = stmt.where(tokens.c.revoked_at.is_(None))
    return list((await conn.execute(stmt)).mappings())


async def active_hashes(*, conn: AsyncConnection) -> set[str]:
    """The hashes of the tokens that are not revoked."""
    stmt = select(tokens.c.hash).where(tokens.c.revoked_at.is_(None))
    return set((await conn.execute(stmt)).scalars())


async def principals(*, conn: AsyncConnection, hashes: list[str]) -> list[RowMapping]:
    """What the snapshot keeps of the tokens with these hashes (hash, id, name, role,
    node): a token never changes but for its revocation."""
    out: list[RowMapping] = []
    for start in range(0, len(hashes), 500):
        stmt = select(tokens.c.hash, tokens.c.id, tokens.c.name, tokens.c.role, tokens.c.node
                      ).where(tokens.c.hash.in_(hashes[start:start + 500]))
        out.extend((await conn.execute(stmt)).mappings())
    return out


async def get_token(*, conn: AsyncConnection, token_id: str) -> RowMapping | None:
    return (await conn.execute(select(tokens).where(tokens.c.id == token_id))).mappings().first()


async def get_active_by_hash(*, conn: AsyncConnection, token_hash: str) -> RowMapping | None:
    stmt = select(tokens).where(tokens.c.hash == token_hash, tokens.c.revoked_at.is_(None))
    return (await conn.execute(stmt)).mappings().first()


async def count_active_admins(*, conn: AsyncConnection) -> int:
    stmt = select(func.count()).where(tokens.c.role == "admin", tokens.c.revoked_at.is_(None))
    return int((await conn.execute(stmt)).scalar_one())


async def revoke_token(*, conn: AsyncConnection, token_id: str, at: datetime) -> bool:
    result = await conn.execute(
        update(tokens)
        .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount == 1
