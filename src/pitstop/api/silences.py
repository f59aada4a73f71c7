"""/v1/silence-rules (admin) and the silences they made in Alertmanager."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from starlette.responses import Response

from pitstop.api.deps import RT, Admin, Reader
from pitstop.api.models.silences import SilenceList, SilenceRule, SilenceRuleList
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.silence_schemas import SilenceRuleBody
from pitstop.api.targets import TargetId
from pitstop.services import silence_rules
from pitstop.storage.types import INTEGER_MAX

router = api_router(tags=["silences"], responses=problems(401, 403, 429))
RuleId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="a silence rule's id")]
Live = Annotated[bool, Query(description="only silences not yet over")]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("/v1/silence-rules", status_code=201, response_model=SilenceRule,
             responses=problems(409))
async def create_silence_rule(rt: RT, who: Admin, body: SilenceRuleBody) -> Response:
    created = await silence_rules.create_silence_rule(
        rt=rt, name=body.name, selector=body.selector, padding_s=body.padding_s,
        matchers=[m.model_dump() for m in body.matchers], actor=who.name)
    return json_response(created, 201)


@router.get("/v1/silence-rules", response_model=SilenceRuleList)
async def list_silence_rules(rt: RT, _: Admin) -> Response:
    return json_response({"items": await silence_rules.list_silence_rules(rt=rt)})


@router.delete("/v1/silence-rules/{rule_id}", status_code=204, responses=problems(404))
async def delete_silence_rule(rt: RT, who: Admin, rule_id: RuleId) -> Response:
    await silence_rules.delete_silence_rule(rt=rt, rule_id=rule_id, actor=who.name)
    return Response(status_code=204)


@router.get("/v1/silences", response_model=SilenceList)
async def list_silences(rt: RT, _: Reader, live: Live = False, limit: Limit = 100) -> Response:
    """Newest first: the silences pitstop made in Alertmanager, with their ids there."""
    return json_response({"items": await silence_rules.list_silences(
        rt=rt, live=live, limit=limit)})


@router.get("/v1/targets/{target}/silences", response_model=SilenceList,
            responses=problems(404))
async def target_silences(rt: RT, _: Reader, target: TargetId, live: Live = False,
                          limit: Limit = 100) -> Response:
    """One target's silences, newest first."""
    return json_response({"items": await silence_rules.list_silences(
        rt=rt, target=target, live=live, limit=limit)})
