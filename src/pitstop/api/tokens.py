"""/v1/tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from pitstop.api.deps import RT, Admin
from pitstop.api.responses import json_response
from pitstop.api.schemas import TokenBody
from pitstop.services import tokens

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


@router.post("")
async def create(rt: RT, who: Admin, body: TokenBody) -> Response:
    created = await tokens.create_token(rt=rt, name=body.name, role=body.role, actor=who.name)
    return json_response({**tokens.token_json(created.row), "token": created.secret}, 201)


@router.get("")
async def list_(rt: RT, _: Admin, include_revoked: bool = False) -> Response:
    return json_response({"items": await tokens.list_tokens(rt=rt,
                                                            include_revoked=include_revoked)})


@router.delete("/{token_id}", status_code=204)
async def revoke(rt: RT, who: Admin, token_id: str) -> Response:
    await tokens.revoke_token(rt=rt, token_id=token_id, actor=who.name)
    return Response(status_code=204)
