"""The recruiter's pages under `/dashboard`: the board, a check's detail, creating, editing and
cancelling a check, preferences. Thin: the service layer does the work, templates the showing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo, available_timezones

from aiohttp import web

from server.checks.service import CheckService
from server.keys import accounts_key, checks_key
from server.models.check import LOCALES, CheckChanges, CheckStatus, Locale
from server.models.org import Organisation
from server.models.user import UserSession
from server.web.dashboard.auth import read_form, require_session
from server.web.dashboard.forms import BoardFilter, CheckForm, encode_cursor, read_check_form
from server.web.dashboard.i18n import candidate_catalog
from server.web.dashboard.render import render

routes = web.RouteTableDef()
PAGE_ROWS = 50
AT_RISK_ROWS = 50
TIME_ZONES = sorted(
    zone for zone in available_timezones() if "/" in zone and not zone.startswith("Etc/")
)


def service(request: web.Request) -> CheckService:
    return request.config_dict[checks_key]


async def signed_in_org(request: web.Request) -> tuple[UserSession, Organisation]:
    session = await require_session(request)
    return session, await service(request).organisation(session.user.org_id)


@routes.get("")
async def board(request: web.Request) -> web.Response:
    session, org = await signed_in_org(request)
    now = datetime.now(UTC)
    zone = ZoneInfo(session.user.time_zone)
    wanted = BoardFilter.read(request.query)
    rows = await service(request).board(org, wanted.query(zone, now, limit=PAGE_ROWS + 1), now)
    at_risk = await service(request).board(
        org, BoardFilter(at_risk=True).query(zone, now, limit=AT_RISK_ROWS), now
    )
    more = rows[PAGE_ROWS:]
    rows = rows[:PAGE_ROWS]
    next_cursor = encode_cursor(rows[-1].check.starts_at, rows[-1].check.id) if more else None
    return render(
        request,
        "dashboard/board.html",
        {
            "org": org,
            "rows": rows,
            "at_risk_rows": at_risk,
            "filter": wanted,
            "next_params": {**wanted.params(), "after": next_cursor} if next_cursor else None,
            "statuses": [status.value for status in CheckStatus],
        },
    )


@routes.get("/checks/new")
async def new_check(request: web.Request) -> web.Response:
    session, org = await signed_in_org(request)
    return _check_form(request, org, CheckForm.blank(session.user.time_zone), None)


@routes.post("/checks")
async def create_check(request: web.Request) -> web.StreamResponse:
    _, org = await signed_in_org(request)
    now = datetime.now(UTC)
    form, new = read_check_form(await read_form(request), now)
    if new is None:
        return _check_form(request, org, form, None, status=422)
    check = await service(request).create(org, new, now)
    raise web.HTTPSeeOther(f"/dashboard/checks/{check.id}")


@routes.get("/checks/{check_id}")
async def detail(request: web.Request) -> web.Response:
    _, org = await signed_in_org(request)
    check_id = request.match_info["check_id"]
    row = await service(request).board_row(org, check_id)
    view = await service(request).read(org, check_id)
    history = await service(request).history(org, check_id)
    return render(
        request,
        "dashboard/check.html",
        {
            "org": org,
            "row": row,
            "view": view,
            "history": history,
            "candidate_texts": candidate_catalog(row.check.locale),
        },
    )


@routes.get("/checks/{check_id}/edit")
async def edit_check(request: web.Request) -> web.Response:
    _, org = await signed_in_org(request)
    row = await service(request).board_row(org, request.match_info["check_id"])
    return _check_form(request, org, CheckForm.of(row.check.details()), row.check.id)


@routes.post("/checks/{check_id}")
async def update_check(request: web.Request) -> web.StreamResponse:
    _, org = await signed_in_org(request)
    check_id = request.match_info["check_id"]
    await service(request).board_row(org, check_id)  # another organisation's: 404 first
    now = datetime.now(UTC)
    form, new = read_check_form(await read_form(request), now)
    if new is None:
        return _check_form(request, org, form, check_id, status=422)
    await service(request).update(org, check_id, CheckChanges(**dict(new)), now)
    raise web.HTTPSeeOther(f"/dashboard/checks/{check_id}")


@routes.post("/checks/{check_id}/cancel")
async def cancel_check(request: web.Request) -> web.StreamResponse:
    _, org = await signed_in_org(request)
    check = await service(request).cancel(org, request.match_info["check_id"])
    raise web.HTTPSeeOther(f"/dashboard/checks/{check.id}")


def _check_form(
    request: web.Request,
    org: Organisation,
    form: CheckForm,
    check_id: str | None,
    *,
    status: int = 200,
) -> web.Response:
    return render(
        request,
        "dashboard/check_form.html",
        {
            "org": org,
            "form": form,
            "check_id": check_id,
            "time_zones": TIME_ZONES,
            "locales": LOCALES,
        },
        status=status,
    )


@routes.get("/preferences")
async def preferences(request: web.Request) -> web.Response:
    _, org = await signed_in_org(request)
    return render(
        request,
        "dashboard/preferences.html",
        {"org": org, "time_zones": TIME_ZONES, "locales": LOCALES, "errors": {}},
    )


@routes.post("/preferences")
async def save_preferences(request: web.Request) -> web.StreamResponse:
    session, org = await signed_in_org(request)
    form = await read_form(request)
    locale = form.get("locale", "")
    zone = form.get("time_zone", "")
    errors = {}
    if locale not in (*LOCALES, "auto"):
        errors["locale"] = "form.error.locale"
    if zone not in TIME_ZONES and zone != "UTC":
        errors["time_zone"] = "form.error.time_zone"
    if errors:
        return render(
            request,
            "dashboard/preferences.html",
            {"org": org, "time_zones": TIME_ZONES, "locales": LOCALES, "errors": errors},
            status=422,
        )
    chosen = None if locale == "auto" else cast(Locale, locale)
    await request.config_dict[accounts_key].set_preferences(session.user, chosen, zone)
    raise web.HTTPSeeOther("/dashboard")
