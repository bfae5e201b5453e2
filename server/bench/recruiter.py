"""A recruiter at the dashboard, for the benchmark: the real application in this process behind
aiohttp's test server, an account in the organisation, a browser-like client signed in through
the login form, and the live stream of `/dashboard/events` as that page reads it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from server.accounts.service import AccountService
from server.app import create_app
from server.config import Settings
from server.models.user import NewUser, Role

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EMAIL = "bench.recruiter@example.com"
EVENT_SECONDS = 10.0
"""Ten times the live goal: a stream quiet for longer has stopped working."""


class PageFailed(RuntimeError):
    """A dashboard page answered something other than 200."""


async def create_recruiter(engine: AsyncEngine, org_id: str) -> str:
    """A recruiter of the organisation; returns the password."""
    password = secrets.token_urlsafe(16)
    new = NewUser(
        email=EMAIL,
        name="Bench Recruiter",
        role=Role.RECRUITER,
        password=password,
        time_zone="Europe/Stockholm",
    )
    await AccountService(engine).create_user(org_id, new)
    return password


@dataclass
class Dashboard:
    client: TestClient[Any, Any]

    async def page(self, path: str) -> int:
        """One page, read to its end, as the browser would; returns its size in bytes."""
        async with self.client.get(path) as response:
            body = await response.read()
            if response.status != 200:
                raise PageFailed(f"GET {path}: {response.status}")
        return len(body)

    @contextlib.asynccontextmanager
    async def events(self) -> AsyncIterator[EventStream]:
        response = await self.client.get(
            "/dashboard/events", headers={"Accept": "text/event-stream"}
        )
        if response.status != 200:
            raise PageFailed(f"GET /dashboard/events: {response.status}")
        try:
            stream = EventStream(response)
            await stream.next("hello")
            yield stream
        finally:
            response.close()


class EventStream:
    """Server-sent events, one at a time, as {"event", "id", "data"}."""

    def __init__(self, response: ClientResponse) -> None:
        self._lines = response.content

    async def next(self, kind: str) -> dict[str, str]:
        async with asyncio.timeout(EVENT_SECONDS):
            while True:
                event = await self._event()
                if event.get("event") == kind:
                    return event

    async def _event(self) -> dict[str, str]:
        event: dict[str, str] = {}
        async for raw in self._lines:
            line = raw.decode().rstrip("\r\n")
            if not line:
                if "data" in event:
                    return event
                event = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                event[name] = value.removeprefix(" ")
        raise PageFailed("the event stream ended")


@contextlib.asynccontextmanager
async def signed_in(database_url: str, password: str) -> AsyncIterator[Dashboard]:
    """The app serving the database on a local port, and a client signed in to it."""
    settings = Settings(
        database_url=database_url, ice_addresses=("127.0.0.1",), log_level="WARNING"
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        login = await client.get("/login")
        found = CSRF.search(await login.text())
        if found is None:
            raise PageFailed("the login page has no form")
        origin = str(client.make_url("/")).rstrip("/")
        signed = await client.post(
            "/login",
            data={"csrf_token": found[1], "email": EMAIL, "password": password},
            headers={"Origin": origin},
            allow_redirects=False,
        )
        if signed.status != 303:
            raise PageFailed(f"signing in: {signed.status}")
        yield Dashboard(client)
    finally:
        await client.close()
