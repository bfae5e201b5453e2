"""Middlewares every audience's sub-application uses: domain errors as the one JSON error
shape, and security headers."""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from server.errors import GreenroomError
from server.logs import redact_path

log = logging.getLogger(__name__)

# The candidate link's token is in the path: never leak it in a Referer.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`{"error": {"code", "message"}}` with the error's status for everything that goes wrong."""
    try:
        return await handler(request)
    except GreenroomError as exc:
        return web.json_response(exc.body(), status=exc.status, headers=exc.headers())
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
        if "Allow" in exc.headers:  # a 405 says which methods the resource has
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception as exc:
        # Exception messages can carry SQL parameters (tokens, names): the type is logged at
        # ERROR, the traceback only at DEBUG, and never the client's address.
        log.error(
            "unhandled %s on %s %s", type(exc).__name__, request.method, redact_path(request.path)
        )
        log.debug("traceback", exc_info=True)
        return error_response(500, "internal_error", "something went wrong on our side")


def headers(defaults: Mapping[str, str]) -> Middleware:
    """Sets each of `defaults` on every response that has not set it itself."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _set_defaults(exc.headers, defaults)
            raise
        if not response.prepared:  # a stream (server-sent events) sent its headers already
            _set_defaults(response.headers, defaults)
        return response

    return middleware


def _set_defaults(target: MutableMapping[str, str], defaults: Mapping[str, str]) -> None:
    for name, value in defaults.items():
        target.setdefault(name, value)


security_headers = headers(SECURITY_HEADERS)
