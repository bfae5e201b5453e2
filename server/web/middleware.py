"""Error mapping and security headers for every response."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from server.errors import GreenroomError
from server.logs import redact_path

log = logging.getLogger(__name__)

# The candidate link's token is in the path: never leak it in a Referer.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"


def error_body(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GreenroomError as exc:
        response = error_body(exc.status, exc.code, exc.message)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        return error_body(exc.status, code, exc.reason)
    except Exception as exc:
        # Exception messages can carry SQL parameters (tokens, names): the type is logged at
        # ERROR, the traceback only at DEBUG, and never the client's address.
        log.error(
            "unhandled %s on %s %s", type(exc).__name__, request.method, redact_path(request.path)
        )
        log.debug("traceback", exc_info=True)
        return error_body(500, "internal_error", "something went wrong on our side")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    return response
