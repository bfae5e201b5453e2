"""What the candidate's browser talks to, under `/c/{token}`: the check page, its details, the
WebRTC offer, the local fallback and the candidate's feedback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from server.checks.service import CheckService
from server.keys import checks_key
from server.models.fallback import LocalCheck
from server.models.feedback import FeedbackAnswer
from server.models.offer import OfferBody
from server.web.body import read_body
from server.web.errors import json_errors
from server.web.user_agent import describe_browser

WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
STATIC_DIR = WIDGET_DIR.parent / "static"
CHECK_PAGE = WIDGET_DIR / "check.html"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'"
)
# `self` is the page's own origin, wherever it is framed: a framed page keeps what its embedder
# delegates with allow="camera; microphone; autoplay" (a feature must be allowed by the embedder
# and by this header), while anything the page itself might frame gets none of them.
PERMISSIONS_POLICY = "camera=(self), microphone=(self), autoplay=(self)"
NO_STORE = {"Cache-Control": "no-store"}

routes = web.RouteTableDef()


def page_headers(embed_origins: tuple[str, ...]) -> dict[str, str]:
    """Framable only by the organisation's own origins (each one passed `parse_origin`)."""
    ancestors = " ".join(embed_origins) or "'none'"
    return {
        "Content-Security-Policy": f"{PAGE_CSP}; frame-ancestors {ancestors}",
        "Permissions-Policy": PERMISSIONS_POLICY,
        **NO_STORE,
    }


def service(request: web.Request) -> CheckService:
    return request.config_dict[checks_key]


def token(request: web.Request) -> str:
    return request.match_info["token"]


@routes.get("/{token}")
async def page(request: web.Request) -> web.FileResponse:
    # The page itself explains an unknown link (its details request answers 404 too).
    usable, origins = await service(request).embedders(token(request), datetime.now(UTC))
    return web.FileResponse(
        CHECK_PAGE, status=200 if usable else 404, headers=page_headers(origins)
    )


@routes.get("/{token}/info")
async def info(request: web.Request) -> web.Response:
    details = await service(request).candidate_info(token(request), datetime.now(UTC))
    return web.json_response(details.model_dump(mode="json"), headers=NO_STORE)


@routes.post("/{token}/offer")
async def offer(request: web.Request) -> web.Response:
    body = await read_body(request, OfferBody)
    browser = describe_browser(request.headers.get("User-Agent", ""))
    answer = await service(request).start_attempt(
        token(request), body, browser, datetime.now(UTC), request.remote or "unknown"
    )
    return web.json_response(answer.model_dump(mode="json"), headers=NO_STORE)


@routes.post("/{token}/fallback")
async def fallback(request: web.Request) -> web.Response:
    """Stores a check the browser had to run alone, because WebRTC could not reach us."""
    measured = await read_body(request, LocalCheck)
    browser = describe_browser(request.headers.get("User-Agent", ""))
    result = await service(request).record_fallback(
        token(request), measured, browser, datetime.now(UTC)
    )
    return web.json_response(
        {"result": result.model_dump(mode="json")}, status=201, headers=NO_STORE
    )


@routes.post("/{token}/feedback")
async def feedback(request: web.Request) -> web.Response:
    """The candidate's answer to "How easy was it to get ready?"; a new answer replaces the last."""
    answer = await read_body(request, FeedbackAnswer)
    await service(request).record_feedback(token(request), answer, datetime.now(UTC))
    return web.Response(status=204, headers=NO_STORE)


def candidate_app() -> web.Application:
    """Mounted at `/c/`."""
    app = web.Application(middlewares=[json_errors])
    app.router.add_routes(routes)
    return app
