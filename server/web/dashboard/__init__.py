"""Recruiters' pages: `/login`, `/logout` and everything under `/dashboard`.

Server-rendered (jinja2) with small ES modules from `static/dashboard/`; a session cookie and a
CSRF token on every state change; never framed, never cached.
"""

from __future__ import annotations

import functools

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_session import session_middleware

from server.config import Settings
from server.web.dashboard import export, insight, live, login, pages
from server.web.dashboard.auth import AccountSessions, csrf_protection, secure_cookies
from server.web.dashboard.render import html_errors, page_headers, setup_templates


def recruiter_middlewares(settings: Settings) -> list[Middleware]:
    # Outermost first: headers on every page, errors as pages, then the session it all needs.
    return [
        page_headers,
        html_errors,
        session_middleware(AccountSessions(secure=secure_cookies(settings))),
        csrf_protection,
    ]


def behind(middlewares: list[Middleware], handler: Handler) -> Handler:
    """The handler as a sub-application would run it behind these middlewares: `/login` and
    `/logout` live at the top level, outside the `/dashboard` sub-application."""
    for middleware in reversed(middlewares):
        handler = functools.partial(middleware, handler=handler)
    return handler


def add_recruiter_pages(app: web.Application, settings: Settings) -> None:
    setup_templates(app)
    chain = recruiter_middlewares(settings)
    for route in login.routes:
        assert isinstance(route, web.RouteDef)
        app.router.add_route(route.method, route.path, behind(chain, route.handler))
    dashboard = web.Application(middlewares=chain)
    dashboard.router.add_routes(export.routes)
    dashboard.router.add_routes(insight.routes)
    dashboard.router.add_routes(live.routes)
    live.setup(dashboard)
    dashboard.router.add_routes(pages.routes)
    app.add_subapp("/dashboard", dashboard)
