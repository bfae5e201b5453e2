"""The rest of the REST API as a vendor's system uses it: listing with filters and a cursor,
attempts, erasure (checked in the tables themselves, on SQLite and PostgreSQL), and API keys
that can be revoked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.checks.attempts import record_verdict
from server.config import Settings
from server.keys import engine_key
from server.models.feedback import Feedback
from server.store import feedback
from server.store.db import create_engine, migrate
from server.store.orgs import (
    api_keys_of,
    create_api_key,
    create_org,
    new_api_key_for,
    revoke_api_key,
)
from server.store.schema import metadata
from tests.conftest import AiohttpClient
from tests.support.results import a_result

Client = TestClient[Any, Any]
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def vendor(
    aiohttp_client: AiohttpClient, settings: Settings, any_database_url: str
) -> tuple[Client, dict[str, str]]:
    """The API on each kind of database, with one organisation's key."""
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        org = await create_org(engine, "Acme", [])
        key = await create_api_key(engine, org.id)
    finally:
        await engine.dispose()
    client: Client = await aiohttp_client(
        create_app(replace(settings, database_url=any_database_url))
    )
    return client, {"Authorization": f"Bearer {key}"}


async def create(client: Client, auth: dict[str, str], starts_in: timedelta, **fields: Any) -> Any:
    body = {
        "candidate": {"name": "Ada Lovelace", "email": "ada.lovelace@example.com"},
        "starts_at": (NOW + starts_in).isoformat(),
        "time_zone": "Europe/Stockholm",
        "duration_minutes": 30,
        "title": "Interview",
        "locale": "en",
        **fields,
    }
    response = await client.post("/api/v1/checks", json=body, headers=auth)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_listing_newest_first_with_filters_and_a_cursor(
    vendor: tuple[Client, dict[str, str]],
) -> None:
    client, auth = vendor
    made = [await create(client, auth, timedelta(days=day, hours=1)) for day in range(7)]
    cancelled = made[3]["id"]
    await client.post(f"/api/v1/checks/{cancelled}/cancel", headers=auth)

    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = await (await client.get("/api/v1/checks", params=query, headers=auth)).json()
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [check["id"] for check in reversed(made)], "newest interview first, once each"

    only = await client.get("/api/v1/checks", params={"status": "cancelled"}, headers=auth)
    assert [item["id"] for item in (await only.json())["items"]] == [cancelled]
    window = {
        "starts_after": (NOW + timedelta(days=2)).isoformat(),
        "starts_before": (NOW + timedelta(days=4)).isoformat(),
    }
    between = await (await client.get("/api/v1/checks", params=window, headers=auth)).json()
    assert [item["id"] for item in between["items"]] == [made[3]["id"], made[2]["id"]]
    assert between["items"][0]["status"] == "cancelled"
    assert between["items"][0]["reminders"] == {"enabled": False, "items": []}


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "1" + "0" * 400},
        {"status": "done"},
        {"starts_after": "tomorrow"},
        {"starts_after": "2026-12-01T10:00:00"},
        {"cursor": "not-a-cursor"},
        {"cursor": "x" * 500},
        {"colour": "green"},
    ],
)
async def test_a_bad_query_is_a_422_that_names_it(
    vendor: tuple[Client, dict[str, str]], query: dict[str, str]
) -> None:
    client, auth = vendor
    response = await client.get("/api/v1/checks", params=query, headers=auth)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_input"
    assert next(iter(query)) in error["message"]


async def test_attempts_latest_first(vendor: tuple[Client, dict[str, str]]) -> None:
    client, auth = vendor
    check = await create(client, auth, timedelta(hours=3))
    engine = client.app[engine_key]
    for overall, minutes in (("not_ready", 10), ("ready", 5)):
        finished = NOW - timedelta(minutes=minutes)
        await record_verdict(engine, a_result(check["id"], overall, finished_at=finished))
    response = await client.get(f"/api/v1/checks/{check['id']}/attempts", headers=auth)
    items = (await response.json())["items"]
    assert [item["overall"] for item in items] == ["ready", "not_ready"]
    assert {item["check_id"] for item in items} == {check["id"]}


async def rows_mentioning(engine: Any, check_id: str, email: str) -> list[str]:
    """Every table whose rows mention the check or the candidate's address, read as text."""
    found = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(sa.select(table))).all():
                text = " ".join(str(value) for value in row)
                if check_id in text or email in text:
                    found.append(table.name)
    return found


async def test_erasure_removes_the_candidate_from_every_table(
    vendor: tuple[Client, dict[str, str]],
) -> None:
    client, auth = vendor
    check = await create(client, auth, timedelta(hours=5))
    kept = await create(
        client, auth, timedelta(hours=6), candidate={"name": "B", "email": "b@x.se"}
    )
    engine = client.app[engine_key]
    result = a_result(check["id"], "warnings", reasons={"camera": ["camera.low_fps"]})
    await record_verdict(engine, result)
    given = Feedback(attempt_id=result.attempt_id, ease=4, comment="Easy", at=NOW)
    assert await feedback.record_feedback(engine, check["id"], given)
    assert await rows_mentioning(engine, check["id"], "ada.lovelace@example.com")

    response = await client.delete(f"/api/v1/checks/{check['id']}", headers=auth)
    assert response.status == 204
    assert await rows_mentioning(engine, check["id"], "ada.lovelace@example.com") == []
    for method, path in (
        ("GET", f"/api/v1/checks/{check['id']}"),
        ("GET", f"/api/v1/checks/{check['id']}/attempts"),
        ("PATCH", f"/api/v1/checks/{check['id']}"),
        ("POST", f"/api/v1/checks/{check['id']}/cancel"),
        ("DELETE", f"/api/v1/checks/{check['id']}"),
        ("GET", "/c/" + check["candidate_url"].rsplit("/c/", 1)[1] + "/info"),
    ):
        gone = await client.request(method, path, headers=auth, json={"title": "x"})
        assert gone.status == 404, (method, path)
    listed = await (await client.get("/api/v1/checks", headers=auth)).json()
    assert [item["id"] for item in listed["items"]] == [kept["id"]]


async def test_another_organisations_check_cannot_be_erased_or_listed(
    vendor: tuple[Client, dict[str, str]],
) -> None:
    client, auth = vendor
    check = await create(client, auth, timedelta(hours=5))
    engine = client.app[engine_key]
    other = await create_org(engine, "Other", [])
    theirs = {"Authorization": f"Bearer {await create_api_key(engine, other.id)}"}
    assert (await client.delete(f"/api/v1/checks/{check['id']}", headers=theirs)).status == 404
    listed = await (await client.get("/api/v1/checks", headers=theirs)).json()
    assert listed == {"items": [], "next_cursor": None}
    assert (await client.get(f"/api/v1/checks/{check['id']}", headers=auth)).status == 200


async def test_a_revoked_key_is_refused_at_once_and_use_is_noted(
    vendor: tuple[Client, dict[str, str]],
) -> None:
    client, auth = vendor
    engine = client.app[engine_key]
    check = await create(client, auth, timedelta(hours=5))
    async with engine.connect() as conn:
        org_id = (await conn.execute(sa.text("SELECT id FROM organisations"))).scalar_one()
    key_id, key = await new_api_key_for(engine, org_id)
    second = {"Authorization": f"Bearer {key}"}
    assert (await client.get(f"/api/v1/checks/{check['id']}", headers=second)).status == 200
    [_, used] = await api_keys_of(engine, org_id)
    assert used.id == key_id
    assert used.last_used_at is not None
    assert used.revoked_at is None

    assert await revoke_api_key(engine, org_id, key_id)
    refused = await client.get(f"/api/v1/checks/{check['id']}", headers=second)
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.get(f"/api/v1/checks/{check['id']}", headers=auth)).status == 200
    assert not await revoke_api_key(engine, "0" * 32, key_id), "only its own organisation's"
