"""The public page's branding (admin) and its logo (public), and service groups."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from pitstop.api.deps import RT, Admin, Reader
from pitstop.api.models.branding import Branding, ServiceGroupList
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import BrandingBody, ServiceGroupsBody
from pitstop.domain.branding import LOGO_TYPES
from pitstop.errors import NotFound
from pitstop.services import branding

router = api_router(tags=["branding"], responses=problems(401, 403, 429))
public = api_router(tags=["branding"])  # no login: what the status page loads
LOGO_BODY = {"requestBody": {"required": True, "content": {
    t: {"schema": {"type": "string", "format": "binary"}} for t in LOGO_TYPES}}}


@router.get("/v1/branding", response_model=Branding)
async def get_branding(rt: RT, _: Reader) -> Response:
    """What the public page shows: the admin's settings over the environment's defaults."""
    return json_response(branding.page_branding(rt).to_json())


@router.put("/v1/branding", response_model=Branding, responses=problems(422))
async def put_branding(rt: RT, who: Admin, body: BrandingBody) -> Response:
    """Change the title, accent colour or about text (audited as `branding.updated`).
    Nothing is stored unless every given field is valid."""
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    return json_response((await branding.update_branding(
        rt=rt, changes=changes, actor=who.name)).to_json())


@router.put("/v1/branding/logo", response_model=Branding, responses=problems(413, 422),
            openapi_extra=LOGO_BODY)
async def put_logo(rt: RT, who: Admin, request: Request) -> Response:
    """Upload the logo: the image's bytes as the body, PNG, JPEG or WebP (recognised by
    their first bytes; SVG is refused), at most 256 KiB."""
    data = await request.body()
    return json_response((await branding.set_logo(rt=rt, data=data, actor=who.name)
                          ).to_json())


@router.delete("/v1/branding/logo", response_model=Branding)
async def delete_logo(rt: RT, who: Admin) -> Response:
    """Remove the logo."""
    return json_response((await branding.remove_logo(rt=rt, actor=who.name)).to_json())


@public.get("/branding/logo", response_class=Response, responses={
    200: {"content": {t: {} for t in LOGO_TYPES}, "description": "the logo"},
    304: {"description": "not modified (If-None-Match)"}, **problems(404)})
async def logo(rt: RT, request: Request) -> Response:
    """The page's logo, public, with an ETag."""
    found = branding.page_logo(rt)
    if found is None:
        raise NotFound("no logo has been uploaded")
    headers = {"ETag": found.etag, "Cache-Control": "public, max-age=300",
               "X-Content-Type-Options": "nosniff"}
    sent = {tag.strip().removeprefix("W/") for tag in
            request.headers.get("if-none-match", "").split(",")}
    if found.etag in sent or "*" in sent:
        return Response(status_code=304, headers=headers)
    return Response(found.data, media_type=found.media_type, headers=headers)


@router.get("/v1/service-groups", response_model=ServiceGroupList)
async def list_service_groups(rt: RT, _: Reader) -> Response:
    """The groups the public page shows services in, in order."""
    return json_response({"items": [g.to_json() for g in branding.list_groups(rt)]})


@router.put("/v1/service-groups", response_model=ServiceGroupList, responses=problems(422))
async def put_service_groups(rt: RT, who: Admin, body: ServiceGroupsBody) -> Response:
    """Replace every group (audited as `service_groups.updated`); a service left out of
    every group is shown ungrouped."""
    groups = await branding.replace_groups(
        rt=rt, groups=[(g.name, g.services) for g in body.groups], actor=who.name)
    return json_response({"items": [g.to_json() for g in groups]})
