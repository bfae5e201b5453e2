"""The API's OpenAPI 3.1 document, built from the route table (`web.api.ENDPOINTS`) and the
pydantic models the routes validate and answer with: what the document says is what the code
does, because it is the code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from server.models.base import Contract

if TYPE_CHECKING:
    from server.web.api import Endpoint, Handler

REFS = "#/components/schemas/{model}"
ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
ERRORS = {
    400: "The body is not JSON",
    401: "No API key, or one that is not valid (revoked keys included)",
    404: "No such check or webhook in this organisation",
    409: "The check is cancelled, or changed meanwhile",
    413: "The body is larger than the route takes",
    422: "The body or query has the wrong shape or values; the message names the field",
}


class ErrorDetail(Contract):
    code: str
    message: str


class ErrorBody(Contract):
    """Every error the API answers."""

    error: ErrorDetail


def document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for route in endpoints:
        if route.body:
            wanted.append((route.body, "validation"))
        if route.query:
            wanted.append((route.query, "validation"))
        if route.response:
            wanted.append((route.response, "serialization"))
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REFS)
    schemas: dict[str, Any] = defs.get("$defs", {})
    paths: dict[str, Any] = {}
    for route in endpoints:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, schemas)
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": _json({})}},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Greenroom API",
            "version": "1",
            "description": "Pre-interview device checks: create them, read their results.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API key (gr_…)"}
            },
        },
    }


def _operation(
    route: Endpoint,
    refs: Mapping[Any, dict[str, Any]],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "parameters": [],
    }
    for name in ("check_id", "webhook_id"):
        if "{" + name + "}" in route.path:
            operation["parameters"].append(
                {"name": name, "in": "path", "required": True, "schema": ID}
            )
    if route.query:
        operation["parameters"] += _query_parameters(refs[(route.query, "validation")], schemas)
    errors = {401, *route.errors}
    if route.body:
        operation["requestBody"] = {
            "required": True,
            "content": _json(refs[(route.body, "validation")]),
        }
        errors |= {400, 413, 422}
    if route.query:
        errors.add(422)
    if route.response:
        success = {"description": "OK", "content": _json(refs[(route.response, "serialization")])}
    else:
        success = {"description": "Done; no content"}
    operation["responses"] = {str(route.status): success} | {
        str(status): {
            "description": ERRORS[status],
            "content": _json(refs[(ErrorBody, "serialization")]),
        }
        for status in sorted(errors)
    }
    return operation


def _query_parameters(ref: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    model = schemas[ref["$ref"].rsplit("/", 1)[1]]
    required = set(model.get("required", []))
    parameters = []
    for name, schema in model["properties"].items():
        # A query parameter is left out rather than null.
        options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
        plain = options[0] if len(options) == 1 else {k: v for k, v in schema.items()}
        plain = {**plain, **{k: v for k, v in schema.items() if k == "description"}}
        if schema.get("default") is not None:
            plain["default"] = schema["default"]
        plain.pop("title", None)
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": plain,
                **({"description": schema["description"]} if "description" in schema else {}),
            }
        )
    return parameters


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def openapi_route(endpoints: Sequence[Endpoint]) -> Handler:
    built: dict[str, Any] = {}

    async def openapi(request: web.Request) -> web.Response:
        if not built:
            built.update(document(endpoints))
        return web.json_response(built, headers={"Cache-Control": "no-cache"})

    return openapi
