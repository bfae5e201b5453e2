"""The REST API for vendors and recruiters' tools, under `/api/v1`: Bearer API keys, one
organisation's data, JSON in and out."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from server.checks.service import CheckService
from server.errors import Unauthorized
from server.keys import checks_key
from server.models.check import CheckChanges, NewCheck
from server.models.org import Organisation
from server.web.body import read_body
from server.web.errors import headers, json_errors

routes = web.RouteTableDef()


def service(request: web.Request) -> CheckService:
    return request.config_dict[checks_key]


async def require_org(request: web.Request) -> Organisation:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    return await service(request).organisation_for_key(key.strip())


@routes.post("/checks")
async def create(request: web.Request) -> web.Response:
    org = await require_org(request)
    new = await read_body(request, NewCheck)
    check = await service(request).create(org, new, datetime.now(UTC))
    return web.json_response(check.model_dump(mode="json"), status=201)


@routes.get("/checks/{check_id}")
async def show(request: web.Request) -> web.Response:
    org = await require_org(request)
    check = await service(request).read(org, request.match_info["check_id"])
    return web.json_response(check.model_dump(mode="json"))


@routes.patch("/checks/{check_id}")
async def edit(request: web.Request) -> web.Response:
    org = await require_org(request)
    changes = await read_body(request, CheckChanges)
    check = await service(request).update(
        org, request.match_info["check_id"], changes, datetime.now(UTC)
    )
    return web.json_response(check.model_dump(mode="json"))


@routes.post("/checks/{check_id}/cancel")
async def cancel(request: web.Request) -> web.Response:
    org = await require_org(request)
    check = await service(request).cancel(org, request.match_info["check_id"])
    return web.json_response(check.model_dump(mode="json"))


def api_app() -> web.Application:
    """Mounted at `/api/v1`. Nothing it answers is for a cache: every answer is one
    organisation's data."""
    app = web.Application(middlewares=[headers({"Cache-Control": "no-store"}), json_errors])
    app.router.add_routes(routes)
    return app
