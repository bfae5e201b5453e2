"""Checks a crashed server left in progress are settled at start-up, but never one that a
session of another live instance may still be running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server.app import create_app
from server.checks.attempts import CLOCK_MARGIN, settle_stale, start
from server.config import Settings
from server.models.check import CheckStatus
from server.store.attempts import record_attempt
from server.store.checks import create_check
from server.store.db import create_engine, migrate
from server.store.events import latest_event_id
from server.store.orgs import create_org
from server.store.schema import checks
from tests.conftest import AiohttpClient, Seeded, new_check
from tests.support.results import a_result

SESSION_SECONDS = 300.0
LONG_AGO = timedelta(seconds=SESSION_SECONDS) + CLOCK_MARGIN + timedelta(seconds=5)
"""Longer ago than any session of any instance can have started and still be running."""


@pytest.fixture
async def engine(any_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(any_database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


async def a_check(engine: AsyncEngine) -> str:
    org = await create_org(engine, "Acme", ["https://vendor.example"])
    return (await create_check(engine, org.id, new_check())).id


async def left_in_progress(engine: AsyncEngine, check_id: str, ago: timedelta) -> None:
    """As a server that died with a session of the check running `ago` leaves it."""
    async with engine.begin() as conn:
        await conn.execute(
            checks.update()
            .where(checks.c.id == check_id)
            .values(status=CheckStatus.IN_PROGRESS.value, updated_at=datetime.now(UTC) - ago)
        )


async def status(engine: AsyncEngine, check_id: str) -> str:
    async with engine.connect() as conn:
        query = sa.select(checks.c.status).where(checks.c.id == check_id)
        return str((await conn.execute(query)).scalar_one())


async def test_a_check_in_progress_for_longer_than_a_session_lives_is_settled(
    engine: AsyncEngine,
) -> None:
    never_judged, judged = await a_check(engine), await a_check(engine)
    await record_attempt(engine, a_result(judged, "warnings"))
    for check_id in (never_judged, judged):
        await left_in_progress(engine, check_id, LONG_AGO)
    before = await latest_event_id(engine)

    await settle_stale(engine, SESSION_SECONDS)

    assert await status(engine, never_judged) == "not_started"
    assert await status(engine, judged) == "warnings", "back to its last verdict"
    assert await latest_event_id(engine) == before + 2, "open dashboards hear of both"


async def test_a_check_another_instance_may_still_be_running_is_left_alone(
    engine: AsyncEngine,
) -> None:
    recent, restarted = await a_check(engine), await a_check(engine)
    await left_in_progress(engine, recent, timedelta(seconds=SESSION_SECONDS - 5))
    # Its first session started long ago, but a reload started another since (on any instance).
    await left_in_progress(engine, restarted, LONG_AGO)
    await start(engine, restarted)

    await settle_stale(engine, SESSION_SECONDS)

    assert await status(engine, recent) == "in_progress"
    assert await status(engine, restarted) == "in_progress"


async def test_the_server_settles_stale_checks_as_it_starts(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    engine = create_engine(settings.database_url)
    try:
        await left_in_progress(engine, seeded.check.id, LONG_AGO)
        app: web.Application = create_app(settings)
        client: Any = await aiohttp_client(app)
        assert (await client.get("/healthz")).status == 200
        assert await status(engine, seeded.check.id) == "not_started"
    finally:
        await engine.dispose()
