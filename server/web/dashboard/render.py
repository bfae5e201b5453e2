"""Recruiter pages as HTML: the templates' shared context, page headers, and errors as pages."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from server.errors import GreenroomError
from server.logs import redact_path
from server.models.check import Locale
from server.models.user import UserSession
from server.web.dashboard import present
from server.web.dashboard.auth import LOGIN_COOKIE, USER_SESSION, SignInRequired
from server.web.dashboard.i18n import Translator, negotiate
from server.web.errors import headers

log = logging.getLogger(__name__)

TEMPLATES = jinja2.PackageLoader("server", "templates")
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}
page_headers = headers(PAGE_HEADERS)
"""Recruiter pages hold personal data: never framed, never cached."""


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=TEMPLATES,
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(present=present)


def locale_of(request: web.Request) -> Locale:
    found: UserSession | None = request.get(USER_SESSION)
    if found is not None and found.user.locale is not None:
        return found.user.locale
    return negotiate(request.headers.get("Accept-Language", ""))


def shared_context(request: web.Request) -> dict[str, Any]:
    """What every template may use: the texts, the signed-in user, the time and their zone."""
    found: UserSession | None = request.get(USER_SESSION)
    return {
        "t": Translator(locale_of(request)),
        "signed_in": found,
        "csrf_token": found.csrf_token if found else "",
        "now": datetime.now(UTC),
        "zone": ZoneInfo(found.user.time_zone if found else "UTC"),
    }


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(
        template, request, shared_context(request) | context, status=status
    )


def render_fragment(request: web.Request, template: str, context: dict[str, Any]) -> str:
    """A part of a page (a board row), for the live feed."""
    return aiohttp_jinja2.render_string(template, request, shared_context(request) | context)


@web.middleware
async def html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as a page in the user's language; a page that needs a session sends the browser
    to sign in first."""
    try:
        return await handler(request)
    except SignInRequired:
        # A person's browser is sent to sign in; the live feed's EventSource is told 401.
        wants_page = request.headers.get("Accept") != "text/event-stream"
        if request.method == "GET" and wants_page and request.path.startswith("/dashboard"):
            target = request.path_qs if len(request.path_qs) <= 500 else "/dashboard"
            raise web.HTTPSeeOther(URL("/login").with_query(next=target)) from None
        return error_page(request, 401, "sign_in_required")
    except GreenroomError as exc:
        response = error_page(request, exc.status, exc.code)
        response.headers.update(exc.headers())
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_page(request, exc.status, exc.reason.lower().replace(" ", "_"))
    except Exception as exc:
        log.error(
            "unhandled %s on %s %s", type(exc).__name__, request.method, redact_path(request.path)
        )
        log.debug("traceback", exc_info=True)
        return error_page(request, 500, "internal_error")


def error_page(request: web.Request, status: int, code: str) -> web.Response:
    response = render(
        request, "dashboard/error.html", {"status": status, "code": code}, status=status
    )
    if code == "bad_csrf":
        response.del_cookie(LOGIN_COOKIE, path="/login")
    return response
