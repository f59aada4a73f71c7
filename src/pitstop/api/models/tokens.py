"""API tokens, as services/tokens.py token_json writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape


class Token(Shape):
    id: str
    name: str
    role: Literal["admin", "operator", "viewer", "worker", "agent"]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    node: str | None = Field(description="an agent token's node")


class NewToken(Token):
    """A token just created, with its secret: shown this once, stored only as a hash."""

    token: str = Field(description="the secret (pst_…): send it as 'Authorization: Bearer'")


class TokenList(Shape):
    items: list[Token]
