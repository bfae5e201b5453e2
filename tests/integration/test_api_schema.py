"""The OpenAPI document: valid OpenAPI 3.1, every route of the API in it, and the live server
answering as it says — fuzzed by schemathesis, never a 5xx, every answer matching its schema."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Hashable, Iterator, Mapping
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from server.bench.server import Server, running_server
from server.web.api import ENDPOINTS
from server.web.openapi import document

schema = schemathesis.openapi.from_dict(document(ENDPOINTS))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("api")) as server:
        yield server


def served(server: Server) -> dict[str, Any]:
    with urllib.request.urlopen(server.base_url + "/api/v1/openapi.json", timeout=10) as answer:
        loaded: dict[str, Any] = json.load(answer)
        return loaded


def test_the_served_document_is_valid_openapi_with_every_route(live: Server) -> None:
    spec = served(live)
    validate(cast(Mapping[Hashable, Any], spec))
    assert spec["openapi"] == "3.1.0"
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert documented == {(route.method, route.path) for route in ENDPOINTS} | {
        ("GET", "/openapi.json")
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path != "/openapi.json":
                assert "401" in operation["responses"], (method, path)


# Rules a JSON Schema cannot state, so schema-valid requests are rightly refused there: an
# interview must not have ended and be at most two years away (relative to now), a cursor is one
# this API gave, and a webhook's host must resolve to public addresses.
BEYOND_SCHEMA = {
    ("POST", "/checks"),
    ("PATCH", "/checks/{check_id}"),
    ("GET", "/checks"),
    ("POST", "/webhooks"),
}


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_live_api_answers_as_documented(case: Any, live: Server) -> None:
    beyond = (case.operation.method.upper(), case.operation.path) in BEYOND_SCHEMA
    headers = {"Authorization": f"Bearer {live.api_key}"}
    response = case.call(base_url=live.base_url + "/api/v1", headers=headers)
    excluded = [positive_data_acceptance] if beyond else []
    if response.status_code == 413:
        # Too large is a rejection too, one schemathesis does not count as such: the body
        # really was over the route's limit.
        assert len(response.request.body or b"") > 4096
        excluded.append(negative_data_rejection)
    case.validate_response(response, excluded_checks=excluded, headers=headers)
