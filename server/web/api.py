"""The REST API for vendors and recruiters' tools: `/api/v1`, Bearer API keys, one org's data."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from server.errors import NotFound, Unauthorized
from server.keys import engine_key, settings_key
from server.store.attempts import check_with_latest_result
from server.store.checks import Check, create_check
from server.store.feedback import Feedback, latest_feedback
from server.store.orgs import Organisation, org_for_api_key
from server.web.body import read_json_object
from server.web.check_input import parse_new_check

MAX_BODY_BYTES = 64 * 1024
API_KEY_SHAPE = re.compile(r"gr_[A-Za-z0-9_-]{20,100}")
CHECK_ID_SHAPE = re.compile(r"[0-9a-f]{32}")

routes = web.RouteTableDef()


async def require_org(request: web.Request) -> Organisation:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    key = key.strip()
    if not API_KEY_SHAPE.fullmatch(key):
        raise Unauthorized("the API key is not valid")
    org = await org_for_api_key(request.app[engine_key], key)
    if org is None:
        raise Unauthorized("the API key is not valid")
    return org


def candidate_url(request: web.Request, check: Check) -> str:
    return f"{request.app[settings_key].base_url}/c/{check.token}"


def check_json(
    request: web.Request,
    check: Check,
    result: dict[str, Any] | None,
    feedback: Feedback | None = None,
) -> dict[str, Any]:
    return {
        "id": check.id,
        "status": check.status.value,
        "candidate": {"name": check.candidate_name, "email": check.candidate_email},
        "title": check.title,
        "starts_at": check.starts_at.isoformat(),
        "time_zone": check.time_zone,
        "duration_minutes": check.duration_minutes,
        "agenda": check.agenda,
        "interviewers": check.interviewers,
        "join_url": check.join_url,
        "locale": check.locale,
        "candidate_url": candidate_url(request, check),
        "expires_at": check.token_expires_at.isoformat(),
        "created_at": check.created_at.isoformat(),
        "latest_result": result,
        # Beside the result, not inside it: the Result contract is also the postMessage and
        # webhook payload, and feedback arrives later and may change.
        "feedback": None if feedback is None else feedback.as_json(),
    }


@routes.post("/api/v1/checks")
async def create(request: web.Request) -> web.Response:
    org = await require_org(request)
    new = parse_new_check(await read_json_object(request, MAX_BODY_BYTES), datetime.now(UTC))
    check = await create_check(request.app[engine_key], org.id, new)
    return web.json_response(check_json(request, check, None), status=201)


@routes.get("/api/v1/checks/{check_id}")
async def show(request: web.Request) -> web.Response:
    org = await require_org(request)
    engine = request.app[engine_key]
    check_id = request.match_info["check_id"]
    found = (
        await check_with_latest_result(engine, org.id, check_id)
        if CHECK_ID_SHAPE.fullmatch(check_id)
        else None
    )
    if found is None:
        raise NotFound("no such check")
    check, result = found
    return web.json_response(
        check_json(request, check, result, await latest_feedback(engine, check.id))
    )
