"""/v1/rolls: rolling maintenance, driven by ``pitstop roll``; /v1/disruption-budgets."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.responses import Response

from pitstop.api.deps import RT, Admin, Reader
from pitstop.api.models.rolls import Budget, BudgetList, Claim, Roll, RollList
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.roll_schemas import BudgetBody, ClaimBody, ResumeBody, RollBody, StepBody
from pitstop.services import budgets, rolls

router = api_router(prefix="/v1", tags=["rolls"], responses=problems(401, 403, 429))
RollId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NodeName = Annotated[str, Path(min_length=1, max_length=63)]


@router.post("/rolls", status_code=201, response_model=Roll, responses=problems(404))
async def create_roll(rt: RT, who: Admin, body: RollBody) -> Response:
    """Record a roll over the registered nodes whose labels match ``selector``; its
    ``driver`` (a CLI run) then claims nodes and reports each step."""
    roll = await rolls.create_roll(rt=rt, selector=body.selector,
                                   max_unavailable=body.max_unavailable, reason=body.reason,
                                   command=body.command, check=body.check, driver=body.driver,
                                   actor=who.name)
    return json_response(roll, 201, headers={"Location": f"/v1/rolls/{roll['id']}"})


@router.get("/rolls", response_model=RollList)
async def list_rolls(rt: RT, _: Reader) -> Response:
    return json_response({"items": await rolls.list_rolls(rt=rt)})


@router.get("/rolls/{roll_id}", response_model=Roll, responses=problems(404))
async def get_roll(rt: RT, _: Reader, roll_id: RollId) -> Response:
    return json_response(await rolls.get_roll(rt=rt, roll_id=roll_id))


@router.post("/rolls/{roll_id}/claim", response_model=Claim, responses=problems(404, 409))
async def claim(rt: RT, _: Admin, roll_id: RollId, body: ClaimBody) -> Response:
    """The next node for this driver to start (its step becomes ``entering``); with
    ``wait_ms``, waits while the roll or a disruption budget is at its limit."""
    return json_response(await rolls.claim_step(rt=rt, roll_id=roll_id, driver=body.driver,
                                                wait_s=body.wait_ms / 1000))


@router.post("/rolls/{roll_id}/steps/{node}", response_model=Roll,
             responses=problems(404, 409))
async def step(rt: RT, who: Admin, roll_id: RollId, node: NodeName, body: StepBody
               ) -> Response:
    """Move a step on (its driver only): entering -> draining -> running -> checking ->
    done, or failed (which stops the roll)."""
    return json_response(await rolls.advance_step(
        rt=rt, roll_id=roll_id, node=node, driver=body.driver, to=body.status,
        message=body.message, actor=who.name))


@router.post("/rolls/{roll_id}/resume", response_model=Roll, responses=problems(404, 409))
async def resume(rt: RT, who: Admin, roll_id: RollId, body: ResumeBody) -> Response:
    """Drive the roll from here on: its failed steps start again."""
    return json_response(await rolls.resume_roll(rt=rt, roll_id=roll_id, driver=body.driver,
                                                 actor=who.name, take_over=body.take_over))


@router.get("/disruption-budgets", response_model=BudgetList)
async def list_budgets(rt: RT, _: Reader) -> Response:
    return json_response({"items": await budgets.list_budgets(rt=rt)})


@router.put("/disruption-budgets", response_model=Budget,
            responses={201: {"model": Budget, "description": "created"}})
async def set_budget(rt: RT, who: Admin, body: BudgetBody) -> Response:
    """Create or replace the budget of a label selector: at most ``max_unavailable`` of
    its nodes in maintenance at once (a manual enter beyond it is refused with 403)."""
    data, created = await budgets.set_budget(rt=rt, selector=body.selector,
                                             max_unavailable=body.max_unavailable,
                                             actor=who.name)
    return json_response(data, 201 if created else 200)


@router.delete("/disruption-budgets/{key}", status_code=204, responses=problems(404))
async def remove_budget(rt: RT, who: Admin, key: Annotated[str, Path(max_length=400)]
                        ) -> Response:
    await budgets.remove_budget(rt=rt, key=key, actor=who.name)
    return Response(status_code=204)
