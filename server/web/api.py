"""The REST API for vendors and recruiters' tools, under `/api/v1`: Bearer API keys, one
organisation's data, JSON in and out.

Every route is declared once in `ENDPOINTS`, with the models it reads and answers and the errors
it can give: the router and the OpenAPI document (`web/openapi.py`) are both built from it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from server.checks.service import CheckService
from server.errors import InvalidInput, Unauthorized
from server.keys import checks_key, webhooks_key
from server.models.base import Body, describe
from server.models.check import CheckChanges, CheckView, NewCheck
from server.models.listing import AttemptPage, CheckListQuery, CheckPage
from server.models.org import Organisation
from server.models.webhook import (
    CreatedWebhook,
    DeliveryPage,
    NewWebhook,
    TestQueued,
    WebhookPage,
)
from server.web.body import read_body
from server.web.errors import headers, json_errors
from server.web.openapi import openapi_route
from server.webhooks.service import WebhookService

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Q = TypeVar("Q", bound=BaseModel)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    handler: Handler
    status: int = 200
    body: type[Body] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    """Besides 401 (every route) and what `body` and `query` imply."""


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: str, path: str, summary: str, **details: object
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ENDPOINTS.append(Endpoint(method, path, summary, handler, **details))  # type: ignore[arg-type]
        return handler

    return register


def service(request: web.Request) -> CheckService:
    return request.config_dict[checks_key]


async def require_org(request: web.Request) -> Organisation:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    return await service(request).organisation_for_key(key.strip())


def read_query(request: web.Request, model: type[Q]) -> Q:
    """The query string as `model`; a parameter given twice, or unknown, is a 422."""
    repeated = sorted({name for name in request.query if len(request.query.getall(name)) > 1})
    if repeated:
        raise InvalidInput(f"{repeated[0][:40]}: given more than once")
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise InvalidInput(describe(exc.errors(include_url=False, include_input=False))) from None


def answer(model: BaseModel, status: int = 200) -> web.Response:
    # pydantic writes the JSON in one pass, without a dict of every field first: a quarter of
    # a page of 200 checks' time went to building and dumping that dict.
    return web.Response(
        text=model.model_dump_json(), status=status, content_type="application/json"
    )


@endpoint(
    "POST",
    "/checks",
    "Create a check for an interview; its reminders are planned with it",
    status=201,
    body=NewCheck,
    response=CheckView,
)
async def create(request: web.Request) -> web.Response:
    org = await require_org(request)
    new = await read_body(request, NewCheck)
    return answer(await service(request).create(org, new, datetime.now(UTC)), 201)


@endpoint(
    "GET",
    "/checks",
    "The organisation's checks, the newest interview first, a page at a time",
    query=CheckListQuery,
    response=CheckPage,
)
async def index(request: web.Request) -> web.Response:
    org = await require_org(request)
    query = read_query(request, CheckListQuery)
    return answer(await service(request).page(org, query))


@endpoint(
    "GET",
    "/checks/{check_id}",
    "A check with its status, latest result, feedback and reminders",
    response=CheckView,
    errors=(404,),
)
async def show(request: web.Request) -> web.Response:
    org = await require_org(request)
    return answer(await service(request).read(org, request.match_info["check_id"]))


@endpoint(
    "GET",
    "/checks/{check_id}/attempts",
    "Every attempt's result, the latest first",
    response=AttemptPage,
    errors=(404,),
)
async def attempts(request: web.Request) -> web.Response:
    org = await require_org(request)
    return answer(await service(request).attempts(org, request.match_info["check_id"]))


@endpoint(
    "PATCH",
    "/checks/{check_id}",
    "Change any of the create fields; a moved interview re-plans its reminders",
    body=CheckChanges,
    response=CheckView,
    errors=(404, 409),
)
async def edit(request: web.Request) -> web.Response:
    org = await require_org(request)
    changes = await read_body(request, CheckChanges)
    check = await service(request).update(
        org, request.match_info["check_id"], changes, datetime.now(UTC)
    )
    return answer(check)


@endpoint(
    "POST",
    "/checks/{check_id}/cancel",
    "Cancel: the link stops working, pending reminders are dropped, the candidate is told",
    response=CheckView,
    errors=(404,),
)
async def cancel(request: web.Request) -> web.Response:
    org = await require_org(request)
    return answer(await service(request).cancel(org, request.match_info["check_id"]))


@endpoint(
    "DELETE",
    "/checks/{check_id}",
    "Erase the check: the candidate's personal data, results, feedback and reminders",
    status=204,
    errors=(404,),
)
async def erase(request: web.Request) -> web.Response:
    org = await require_org(request)
    await service(request).erase(org, request.match_info["check_id"])
    return web.Response(status=204)


def webhook_service(request: web.Request) -> WebhookService:
    return request.config_dict[webhooks_key]


@endpoint(
    "POST",
    "/webhooks",
    "Add an endpoint (https://, public addresses); its secret is shown this once",
    status=201,
    body=NewWebhook,
    response=CreatedWebhook,
)
async def add_webhook(request: web.Request) -> web.Response:
    org = await require_org(request)
    new = await read_body(request, NewWebhook)
    return answer(await webhook_service(request).create(org, new), 201)


@endpoint("GET", "/webhooks", "The organisation's webhook endpoints", response=WebhookPage)
async def webhooks(request: web.Request) -> web.Response:
    org = await require_org(request)
    return answer(await webhook_service(request).index(org))


@endpoint(
    "DELETE",
    "/webhooks/{webhook_id}",
    "Remove an endpoint and its pending deliveries",
    status=204,
    errors=(404,),
)
async def remove_webhook(request: web.Request) -> web.Response:
    org = await require_org(request)
    await webhook_service(request).delete(org, request.match_info["webhook_id"])
    return web.Response(status=204)


@endpoint(
    "POST",
    "/webhooks/{webhook_id}/test",
    "Send a signed `test` event to the endpoint",
    status=202,
    response=TestQueued,
    errors=(404, 422),
)
async def test_webhook(request: web.Request) -> web.Response:
    org = await require_org(request)
    return answer(await webhook_service(request).test(org, request.match_info["webhook_id"]), 202)


@endpoint(
    "GET",
    "/webhooks/{webhook_id}/deliveries",
    "The endpoint's deliveries, the latest first: tries, state, the last HTTP status",
    response=DeliveryPage,
    errors=(404,),
)
async def deliveries(request: web.Request) -> web.Response:
    org = await require_org(request)
    found = await webhook_service(request).deliveries(org, request.match_info["webhook_id"])
    return answer(found)


def api_app() -> web.Application:
    """Mounted at `/api/v1`. Nothing it answers is for a cache: every answer is one
    organisation's data."""
    app = web.Application(middlewares=[headers({"Cache-Control": "no-store"}), json_errors])
    for route in ENDPOINTS:
        app.router.add_route(route.method, route.path, route.handler)
    app.router.add_get("/openapi.json", openapi_route(ENDPOINTS))
    return app
