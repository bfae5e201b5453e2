"""A stored verdict changes the dashboard's row without a reload: server-sent events, resumable
with `Last-Event-ID`, for the recruiter's own organisation only."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from server.checks.attempts import record_verdict
from server.store.checks import create_check
from server.store.db import create_engine
from server.store.orgs import create_org
from tests.conftest import Seeded, new_check
from tests.support.recruiters import Recruiter, create_recruiter, sign_in
from tests.support.results import a_result

Client = TestClient[Any, Any]
LIVE_GOAL_SECONDS = 1.0


@pytest.fixture
async def recruiter(database_url: str, seeded: Seeded) -> Recruiter:
    return await create_recruiter(database_url, seeded.org_id)


async def events(response: ClientResponse) -> AsyncIterator[dict[str, str]]:
    """The stream's events as {"event", "id", "data"}, pings left out."""
    event: dict[str, str] = {}
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            event[name] = value.removeprefix(" ")


async def next_event(stream: AsyncIterator[dict[str, str]], kind: str) -> dict[str, str]:
    async with asyncio.timeout(5):
        async for event in stream:
            if event.get("event") == kind:
                return event
    raise AssertionError(f"the stream ended before a {kind} event")


async def test_a_stored_verdict_reaches_an_open_dashboard_within_a_second(
    client: Client, recruiter: Recruiter, seeded: Seeded, database_url: str
) -> None:
    await sign_in(client, recruiter)
    response = await client.get("/dashboard/events", headers={"Accept": "text/event-stream"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    stream = events(response)
    await next_event(stream, "hello")

    engine = create_engine(database_url)
    try:
        stored_at = time.perf_counter()
        await record_verdict(
            engine, a_result(seeded.check.id, "not_ready", reasons={"camera": ["camera.black"]})
        )
        change = await next_event(stream, "check")
        latency = time.perf_counter() - stored_at
    finally:
        await engine.dispose()
    data = json.loads(change["data"])
    assert data["check_id"] == seeded.check.id
    assert data["status"] == "not_ready"
    assert f'<tr data-check-id="{seeded.check.id}">' in data["row"]
    assert 'data-status="not_ready"' in data["row"]
    assert "Camera picture black" in data["row"]
    assert data["announce"] == "Test Candidate: Not ready"
    assert latency < LIVE_GOAL_SECONDS, f"{latency:.2f} s from the stored verdict to the event"
    response.close()


async def test_a_reconnecting_dashboard_gets_what_it_missed(
    client: Client, recruiter: Recruiter, seeded: Seeded, database_url: str
) -> None:
    await sign_in(client, recruiter)
    response = await client.get("/dashboard/events", headers={"Accept": "text/event-stream"})
    hello = await next_event(events(response), "hello")
    response.close()

    engine = create_engine(database_url)
    try:
        await record_verdict(engine, a_result(seeded.check.id, "warnings"))
        await record_verdict(engine, a_result(seeded.check.id, "ready"))
    finally:
        await engine.dispose()
    resumed = await client.get(
        "/dashboard/events",
        headers={"Accept": "text/event-stream", "Last-Event-ID": hello["id"]},
    )
    stream = events(resumed)
    first = await next_event(stream, "check")
    second = await next_event(stream, "check")
    assert int(hello["id"]) < int(first["id"]) < int(second["id"])
    assert json.loads(second["data"])["status"] == "ready"
    resumed.close()


async def test_another_organisations_changes_are_not_sent(
    client: Client, recruiter: Recruiter, seeded: Seeded, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        other = await create_org(engine, "Other", [])
        theirs = await create_check(engine, other.id, new_check())
        await sign_in(client, recruiter)
        response = await client.get("/dashboard/events", headers={"Accept": "text/event-stream"})
        stream = events(response)
        await next_event(stream, "hello")
        await record_verdict(engine, a_result(theirs.id, "ready"))
        await record_verdict(engine, a_result(seeded.check.id, "warnings"))
        change = await next_event(stream, "check")
    finally:
        await engine.dispose()
    assert json.loads(change["data"])["check_id"] == seeded.check.id, "theirs never came"
    response.close()


async def test_the_server_stops_at_once_with_a_dashboard_open(
    client: Client, recruiter: Recruiter
) -> None:
    """An open stream is ended on shutdown; aiohttp would otherwise wait its shutdown timeout
    (a minute for `greenroom serve`) for a handler that never returns by itself."""
    await sign_in(client, recruiter)
    response = await client.get("/dashboard/events", headers={"Accept": "text/event-stream"})
    stream = events(response)
    await next_event(stream, "hello")
    started = time.perf_counter()
    await client.server.close()
    assert time.perf_counter() - started < 2.0
    async with asyncio.timeout(2):
        remaining = [event async for event in stream]
    assert remaining == [], "the stream just ends: the browser reconnects and resumes"
