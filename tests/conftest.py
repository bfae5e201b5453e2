"""Fixtures shared by every layer: a migrated database, an organisation with a check, the app."""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiortc import RTCPeerConnection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.app import create_app
from server.config import Settings
from server.media.rtc.internals import host_addresses
from server.models.check import Candidate, Check, NewCheck
from server.store.checks import create_check
from server.store.db import async_url, create_engine, migrate
from server.store.orgs import create_api_key, create_org

AiohttpClient = Any


@dataclass(frozen=True)
class Seeded:
    org_id: str
    api_key: str
    check: Check


def new_check(**overrides: Any) -> NewCheck:
    values: dict[str, Any] = {
        "candidate": Candidate(name="Test Candidate", email="candidate@example.com"),
        "starts_at": datetime.now(UTC) + timedelta(hours=1),
        "time_zone": "Europe/Stockholm",
        "duration_minutes": 30,
        "title": "Interview",
        "locale": "en",
    }
    values.update(overrides)
    return NewCheck(**values)


_peer_connections: weakref.WeakSet[RTCPeerConnection] = weakref.WeakSet()


@pytest.fixture(scope="session", autouse=True)
def track_peer_connections() -> Iterator[None]:
    """Registers every RTCPeerConnection made in the test process, server side and client side."""
    original = RTCPeerConnection.__init__

    def registering_init(self: RTCPeerConnection, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _peer_connections.add(self)

    RTCPeerConnection.__init__ = registering_init  # type: ignore[method-assign]
    yield
    RTCPeerConnection.__init__ = original  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def loopback_ice() -> Iterator[None]:
    """The suite runs with only loopback (tests/isolated.sh), which aioice leaves out by default:
    the client peers of every test gather on 127.0.0.1, as the app's sessions do."""
    with host_addresses(("127.0.0.1",)):
        yield


@pytest.fixture(autouse=True)
def no_leaked_peer_connections() -> Iterator[None]:
    """Fails the test if it leaves an RTCPeerConnection open: every session must be closed."""
    yield
    open_pcs = [pc for pc in _peer_connections if pc.connectionState != "closed"]
    _peer_connections.clear()
    assert not open_pcs, f"{len(open_pcs)} peer connection(s) left open"


POSTGRES_URL = os.environ.get(
    "GREENROOM_TEST_POSTGRES_URL", "postgresql:///test?host=/var/run/postgresql"
)


@asynccontextmanager
async def throwaway_postgres() -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL database, dropped on the way out (connections and all)."""
    name = f"greenroom_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(async_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind; PostgreSQL gets a throwaway database per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    async with throwaway_postgres() as url:
        yield url


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite file per test: real SQL, no shared state between tests."""
    url = f"sqlite:///{tmp_path / 'greenroom.db'}"
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Media stays on loopback: aioice would otherwise offer this machine's other interfaces.
    return Settings(
        database_url=database_url,
        ice_addresses=("127.0.0.1",),
        ice_allow_private=True,
        measure_seconds=2.5,
        # In-process, the test's own peers share the server's process: its CPU and loop lag
        # are theirs too. Admission by headroom is tested on its own (test_admission.py).
        admission="cap",
    )


@pytest.fixture
async def seeded(database_url: str) -> Seeded:
    engine = create_engine(database_url)
    try:
        org = await create_org(engine, "Acme", ["https://vendor.example"])
        key = await create_api_key(engine, org.id)
        check = await create_check(engine, org.id, new_check())
    finally:
        await engine.dispose()
    return Seeded(org_id=org.id, api_key=key, check=check)


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, app: web.Application) -> TestClient[Any, Any]:
    test_client: TestClient[Any, Any] = await aiohttp_client(app)
    return test_client
