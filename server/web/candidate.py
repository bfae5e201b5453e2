"""What the candidate's browser talks to: the check page, its details, the WebRTC offer, the
local fallback and the candidate's feedback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from server.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from server.keys import engine_key, fallback_lock_key, media_key, settings_key
from server.media.fallback import fallback_result, parse_fallback
from server.media.offer import MAX_BODY_BYTES, parse_offer
from server.media.turn import ice_servers_for_browser
from server.store.attempts import attempts_since, record_attempt
from server.store.checks import Check, check_by_token, mark_in_progress, org_id_for_token
from server.store.feedback import record_feedback
from server.store.ids import new_id
from server.store.orgs import Organisation, get_org
from server.user_agent import describe_browser
from server.web.body import read_json_object
from server.web.feedback import MAX_FEEDBACK_BYTES, parse_feedback

WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
STATIC_DIR = WIDGET_DIR.parent / "static"
CHECK_PAGE = WIDGET_DIR / "check.html"
MAX_FALLBACK_BYTES = 4096
# A local check takes seconds and a person to start it: more than this a minute is a script.
MAX_FALLBACKS_PER_MINUTE = 6
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'"
)
# `self` is the page's own origin, wherever it is framed: a framed page keeps what its embedder
# delegates with allow="camera; microphone; autoplay" (a feature must be allowed by the embedder
# and by this header), while anything the page itself might frame gets none of them.
PERMISSIONS_POLICY = "camera=(self), microphone=(self), autoplay=(self)"

routes = web.RouteTableDef()


async def find_check(request: web.Request) -> Check | None:
    token = request.match_info["token"]
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return await check_by_token(request.app[engine_key], token, datetime.now(UTC))


async def require_check(request: web.Request) -> Check:
    check = await find_check(request)
    if check is None:
        raise NotFound("this check link is not valid or has expired")
    return check


async def organisation_of(request: web.Request, check: Check) -> Organisation:
    org = await get_org(request.app[engine_key], check.org_id)
    if org is None:  # deleted since the check was read
        raise NotFound("this check link is not valid or has expired")
    return org


def page_headers(embed_origins: tuple[str, ...]) -> dict[str, str]:
    """Framable only by the organisation's own origins (each one passed `parse_origin`)."""
    ancestors = " ".join(embed_origins) or "'none'"
    return {
        "Content-Security-Policy": f"{PAGE_CSP}; frame-ancestors {ancestors}",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cache-Control": "no-store",
    }


@routes.get("/c/{token}")
async def page(request: web.Request) -> web.FileResponse:
    # The page itself explains an unknown link (its details request answers 404 too).
    engine = request.app[engine_key]
    check = await find_check(request)
    token = request.match_info["token"]
    if check is not None:
        org_id: str | None = check.org_id
    elif TOKEN_SHAPE.fullmatch(token):
        org_id = await org_id_for_token(engine, token)
    else:
        org_id = None
    org = None if org_id is None else await get_org(engine, org_id)
    origins = org.allowed_origins if org is not None else ()
    return web.FileResponse(CHECK_PAGE, status=200 if check else 404, headers=page_headers(origins))


@routes.get("/c/{token}/info")
async def info(request: web.Request) -> web.Response:
    check = await require_check(request)
    org = await organisation_of(request, check)
    return web.json_response(
        {
            "title": check.title,
            "locale": check.locale,
            "starts_at": check.starts_at.isoformat(),
            "duration_minutes": check.duration_minutes,
            # Fresh, short-lived TURN credentials on every request; the page asks again at Start.
            "ice_servers": ice_servers_for_browser(
                request.app[settings_key], datetime.now(UTC), check.id
            ),
            "time_zone": check.time_zone,
            "agenda": check.agenda,
            "interviewers": check.interviewers,
            "join_url": check.join_url,
            "candidate_name": check.candidate_name,
            "organisation": org.name,
            # The only origins the page may post messages to or accept them from when framed.
            "embed_origins": list(org.allowed_origins),
        },
        headers={"Cache-Control": "no-store"},
    )


@routes.post("/c/{token}/offer")
async def offer(request: web.Request) -> web.Response:
    check = await require_check(request)
    parsed = parse_offer(await read_json_object(request, MAX_BODY_BYTES))
    browser = describe_browser(request.headers.get("User-Agent", ""))
    answer = await request.app[media_key].answer(check.id, parsed, browser)
    await mark_in_progress(request.app[engine_key], check.id)
    return web.json_response(
        {"sdp": answer.sdp, "type": "answer", "session_id": answer.session_id},
        headers={"Cache-Control": "no-store"},
    )


@routes.post("/c/{token}/fallback")
async def fallback(request: web.Request) -> web.Response:
    """Stores a check the browser had to run alone, because WebRTC could not reach us."""
    check = await require_check(request)
    measured = parse_fallback(await read_json_object(request, MAX_FALLBACK_BYTES))
    engine, media = request.app[engine_key], request.app[media_key]
    # One at a time, so that concurrent requests cannot all pass the count before any is stored.
    async with request.app[fallback_lock_key]:
        now = datetime.now(UTC)
        recent = await attempts_since(engine, check.id, now - timedelta(minutes=1))
        if recent >= MAX_FALLBACKS_PER_MINUTE:
            raise TooManyAttempts("too many attempts for this check; wait a minute", retry_after=60)
        if await media.connected(check.id):
            raise Conflict("this check is running over WebRTC", code="check_running")
        # A session still trying to connect for this check would end later without a verdict.
        await media.close_check(check.id)
        result = fallback_result(
            measured,
            check_id=check.id,
            attempt_id=new_id(),
            started_at=now,
            finished_at=now,
            browser=describe_browser(request.headers.get("User-Agent", "")),
        )
        await record_attempt(engine, result)
    return web.json_response({"result": result}, status=201, headers={"Cache-Control": "no-store"})


@routes.post("/c/{token}/feedback")
async def feedback(request: web.Request) -> web.Response:
    """The candidate's answer to "How easy was it to get ready?"; a new answer replaces the last."""
    check = await require_check(request)
    try:
        data = await read_json_object(request, MAX_FEEDBACK_BYTES)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code="invalid_feedback") from None
    answer = parse_feedback(data, datetime.now(UTC))
    if not await record_feedback(request.app[engine_key], check.id, answer):
        raise NotFound("no such attempt for this check")
    return web.Response(status=204, headers={"Cache-Control": "no-store"})
