"""`GET /login`, `POST /login`, `POST /logout`."""

from __future__ import annotations

from aiohttp import web

from server.web.dashboard.auth import (
    LoginFailed,
    TooManyLogins,
    login_token,
    read_form,
    set_login_cookie,
    sign_in,
    sign_out,
    signed_in,
)
from server.web.dashboard.render import render

routes = web.RouteTableDef()


def next_page(target: str) -> str:
    """Only our own dashboard pages: never another site after signing in."""
    ok = target.startswith("/dashboard") and "//" not in target and "\\" not in target
    return target if ok and len(target) <= 500 else "/dashboard"


def login_page(
    request: web.Request, *, error: str | None = None, email: str = "", status: int = 200
) -> web.Response:
    token = login_token(request)
    response = render(
        request,
        "dashboard/login.html",
        {
            "login_token": token,
            "error": error,
            "email": email[:254],
            "next": next_page(request.query.get("next", "")),
        },
        status=status,
    )
    set_login_cookie(request, response, token)
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    if await signed_in(request) is not None:
        raise web.HTTPSeeOther("/dashboard")
    return login_page(request)


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    try:
        await sign_in(request, form)
    except TooManyLogins as exc:
        response = login_page(
            request, error="login.too_many", email=form.get("email", ""), status=429
        )
        response.headers.update(exc.headers())
        return response
    except LoginFailed:
        return login_page(request, error="login.failed", email=form.get("email", ""), status=401)
    raise web.HTTPSeeOther(next_page(form.get("next", "")))


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await sign_out(request)
    raise web.HTTPSeeOther("/login")
