"""/v1/tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.responses import Response

from pitstop.api.deps import RT, Admin
from pitstop.api.models.tokens import NewToken, TokenList
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import TokenBody
from pitstop.services import tokens

router = api_router(prefix="/v1/tokens", tags=["tokens"], responses=problems(401, 403, 429))


@router.post("", status_code=201, response_model=NewToken, responses=problems(409))
async def create(rt: RT, who: Admin, body: TokenBody) -> Response:
    created = await tokens.create_token(rt=rt, name=body.name, role=body.role, actor=who.name)
    return json_response({**tokens.token_json(created.row), "token": created.secret}, 201)


@router.get("", response_model=TokenList)
async def list_(rt: RT, _: Admin, include_revoked: bool = False) -> Response:
    return json_response({"items": await tokens.list_tokens(rt=rt,
                                                            include_revoked=include_revoked)})


@router.delete("/{token_id}", status_code=204, responses=problems(404, 409))
async def revoke(rt: RT, who: Admin, token_id: Annotated[str, Path(max_length=32)]) -> Response:
    """409 for the last admin token: nobody could manage tokens after it."""
    await tokens.revoke_token(rt=rt, token_id=token_id, actor=who.name)
    return Response(status_code=204)
