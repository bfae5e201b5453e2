"""Media capacity is capped per process, and a check has at most one live session."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate
from server.config import Settings
from server.keys import engine_key, peers_key
from server.store.checks import create_check
from tests.conftest import AiohttpClient, Seeded, new_check
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform


def peer() -> FakeCandidate:
    return FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))


async def test_a_full_server_answers_503_with_retry_after(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    app: web.Application = create_app(replace(settings, max_sessions=1))
    client: TestClient[Any, Any] = await aiohttp_client(app)
    other = await create_check(app[engine_key], seeded.org_id, new_check())
    first, second = peer(), peer()
    try:
        await first.connect(client, seeded.check.token)
        response = await client.post(f"/c/{other.token}/offer", json=await second.offer())
        assert response.status == 503
        assert int(response.headers["Retry-After"]) > 0
        assert (await response.json())["error"]["code"] == "busy"
        assert len(app[peers_key]) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_reload_replaces_the_checks_session(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    first, second = peer(), peer()
    try:
        await first.connect(client, seeded.check.token)
        old = client.app[peers_key].get(first.session_id)
        assert old is not None
        await second.connect(client, seeded.check.token)
        assert old.closed
        assert len(client.app[peers_key]) == 1
    finally:
        await first.close()
        await second.close()
