"""The store behaves the same on SQLite and PostgreSQL, chosen by URL alone."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.store.attempts import latest_result, record_attempt
from server.store.checks import CheckStatus, check_by_token, create_check, get_check
from server.store.db import async_url, create_engine, current_revision, migrate
from server.store.orgs import create_api_key, create_org, org_for_api_key
from tests.conftest import new_check

POSTGRES_URL = os.environ.get(
    "GREENROOM_TEST_POSTGRES_URL", "postgresql:///test?host=/var/run/postgresql"
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind; PostgreSQL gets a throwaway database per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    name = f"greenroom_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(async_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


def result_for(check_id: str, overall: str, finished_at: datetime) -> dict[str, object]:
    statuses = {"ready": "pass", "warnings": "warn", "not_ready": "fail"}
    return {
        "attempt_id": uuid.uuid4().hex,
        "check_id": check_id,
        "overall": overall,
        "started_at": (finished_at - timedelta(seconds=10)).isoformat(),
        "finished_at": finished_at.isoformat(),
        "browser": {"name": "Chrome", "version": "130", "os": "Linux"},
        "checks": {
            name: {"status": statuses[overall], "reasons": [], "metrics": {}}
            for name in ("browser", "camera", "lighting", "microphone", "speakers", "network")
        },
    }


async def test_store_round_trip(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        assert await current_revision(engine) == "0001"

        org = await create_org(engine, "Acme", ["https://vendor.example"])
        other = await create_org(engine, "Other", [])
        key = await create_api_key(engine, org.id)
        assert (await org_for_api_key(engine, key)) == org
        assert await org_for_api_key(engine, key + "x") is None

        starts = datetime(2030, 5, 4, 12, 0, tzinfo=UTC)
        check = await create_check(engine, org.id, new_check(starts_at=starts, agenda=["Hi"]))
        loaded = await get_check(engine, org.id, check.id)
        assert loaded == check
        assert loaded is not None
        assert loaded.starts_at == starts
        assert loaded.agenda == ["Hi"]
        assert await get_check(engine, other.id, check.id) is None, "orgs never see each other"

        assert await check_by_token(engine, check.token, datetime.now(UTC)) == check
        expired = check.token_expires_at + timedelta(seconds=1)
        assert await check_by_token(engine, check.token, expired) is None

        now = datetime.now(UTC)
        await record_attempt(engine, result_for(check.id, "not_ready", now - timedelta(minutes=5)))
        newest = result_for(check.id, "warnings", now)
        await record_attempt(engine, newest)
        assert await latest_result(engine, check.id) == newest
        reloaded = await get_check(engine, org.id, check.id)
        assert reloaded is not None
        assert reloaded.status == CheckStatus.WARNINGS
    finally:
        await engine.dispose()
