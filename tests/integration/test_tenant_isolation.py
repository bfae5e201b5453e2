"""One organisation never sees or changes another's checks: every dashboard route and every API
route answers 404 for a check of another organisation, and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.models.check import Candidate
from server.store.checks import create_check, get_check
from server.store.db import create_engine
from server.store.orgs import create_api_key, create_org
from tests.conftest import Seeded, new_check
from tests.support.recruiters import Recruiter, create_recruiter, origin, sign_in

Client = TestClient[Any, Any]
FORM = {
    "candidate_name": "Mallory",
    "candidate_email": "m@example.com",
    "title": "Taken over",
    "starts_at": "2030-01-01T10:00",
    "time_zone": "UTC",
    "duration_minutes": "30",
    "locale": "en",
}


@dataclass(frozen=True)
class Intruder:
    """Another organisation: its API key, its recruiter, and a check of its own."""

    api_key: str
    recruiter: Recruiter
    own_check_id: str


@pytest.fixture
async def intruder(database_url: str, seeded: Seeded) -> Intruder:
    engine = create_engine(database_url)
    try:
        other = await create_org(engine, "Other Ltd", [])
        key = await create_api_key(engine, other.id)
        own = await create_check(
            engine,
            other.id,
            new_check(
                title="Their own",
                candidate=Candidate(name="Their Candidate", email="theirs@other.example"),
            ),
        )
    finally:
        await engine.dispose()
    recruiter = await create_recruiter(database_url, other.id, "mallory@other.example")
    return Intruder(key, recruiter, own.id)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/dashboard/checks/{id}"),
        ("GET", "/dashboard/checks/{id}/edit"),
        ("POST", "/dashboard/checks/{id}"),
        ("POST", "/dashboard/checks/{id}/cancel"),
    ],
)
async def test_dashboard_routes(
    client: Client,
    seeded: Seeded,
    intruder: Intruder,
    database_url: str,
    method: str,
    path: str,
) -> None:
    csrf = await sign_in(client, intruder.recruiter)
    data = {"csrf_token": csrf, **FORM} if method == "POST" else None
    response = await client.request(
        method, path.format(id=seeded.check.id), data=data, headers=origin(client)
    )
    assert response.status == 404
    assert "text/html" in response.headers["Content-Type"]
    assert seeded.check.candidate_name not in await response.text()
    own = await client.get(path.format(id=intruder.own_check_id)) if method == "GET" else None
    assert own is None or own.status == 200, "the same route works for their own check"
    await assert_unchanged(database_url, seeded)


async def test_lists_exports_and_search_hold_only_their_own(
    client: Client, seeded: Seeded, intruder: Intruder
) -> None:
    await sign_in(client, intruder.recruiter)
    for path in (
        "/dashboard",
        "/dashboard?q=test",
        "/dashboard/checks.csv",
        "/dashboard?at_risk=1",
        "/dashboard/insight",
        "/dashboard/insight.csv",
    ):
        response = await client.get(path)
        assert response.status == 200
        text = await response.text()
        assert seeded.check.id not in text
        assert seeded.check.candidate_email not in text
    assert intruder.own_check_id in await (await client.get("/dashboard")).text()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/checks/{id}", None),
        ("PATCH", "/api/v1/checks/{id}", {"title": "Taken over"}),
        ("POST", "/api/v1/checks/{id}/cancel", None),
    ],
)
async def test_api_routes(
    client: Client,
    seeded: Seeded,
    intruder: Intruder,
    database_url: str,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    own = intruder.own_check_id
    headers = {"Authorization": f"Bearer {intruder.api_key}"}
    response = await client.request(
        method, path.format(id=seeded.check.id), json=body, headers=headers
    )
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    mine = await client.request(method, path.format(id=own), json=body, headers=headers)
    assert mine.status == 200, "the same route works for their own check"
    await assert_unchanged(database_url, seeded)


async def assert_unchanged(database_url: str, seeded: Seeded) -> None:
    engine = create_engine(database_url)
    try:
        stored = await get_check(engine, seeded.org_id, seeded.check.id)
    finally:
        await engine.dispose()
    assert stored is not None
    assert stored.details() == seeded.check.details()
    assert stored.status == seeded.check.status
