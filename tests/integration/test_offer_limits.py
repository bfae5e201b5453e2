"""A link or an address that posts offers in a loop gets 429 + Retry-After and no session;
refused offers and bad input are not counted."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate
from server.config import Settings
from server.keys import peers_key
from server.store.checks import create_check
from server.store.db import create_engine
from tests.conftest import AiohttpClient, Seeded, new_check
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform

Client = TestClient[Any, Any]


async def limited_client(
    aiohttp_client: AiohttpClient, settings: Settings, **limits: Any
) -> Client:
    client: Client = await aiohttp_client(create_app(dataclasses.replace(settings, **limits)))
    return client


async def post_offers(client: Client, token: str, count: int) -> list[Any]:
    """`count` real offers for the link, each from a new page load (a new peer)."""
    responses = []
    for _ in range(count):
        peer = FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))
        try:
            responses.append(await client.post(f"/c/{token}/offer", json=await peer.offer()))
        finally:
            await peer.close()
    return responses


async def test_a_link_that_keeps_reloading_is_told_to_wait(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    client = await limited_client(aiohttp_client, settings, offers_per_link=3)
    token = seeded.check.token
    for _ in range(5):
        bad = await client.post(f"/c/{token}/offer", json={"sdp": "v=0\r\n", "type": "offer"})
        assert bad.status == 422, "bad input is refused and not counted"
    accepted = await post_offers(client, token, 3)
    assert [r.status for r in accepted] == [200, 200, 200]
    [refused] = await post_offers(client, token, 1)
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    error = (await refused.json())["error"]
    assert error["code"] == "too_many_offers"
    assert error["message"]
    assert len(client.app[peers_key]) == 1, "only the last accepted offer's session is live"
    assert client.app[peers_key].get((await accepted[-1].json())["session_id"]) is not None


async def test_an_address_posting_for_many_links_is_told_to_wait(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded, database_url: str
) -> None:
    client = await limited_client(aiohttp_client, settings, offers_per_address=2)
    engine = create_engine(database_url)
    try:
        others = [await create_check(engine, seeded.org_id, new_check()) for _ in range(2)]
    finally:
        await engine.dispose()
    first = await post_offers(client, seeded.check.token, 1)
    second = await post_offers(client, others[0].token, 1)
    third = await post_offers(client, others[1].token, 1)
    assert [r.status for r in first + second + third] == [200, 200, 429]
    assert len(client.app[peers_key]) == 2


async def test_a_page_asking_a_busy_server_again_is_not_counted(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded, database_url: str
) -> None:
    client = await limited_client(aiohttp_client, settings, offers_per_address=2, max_sessions=1)
    engine = create_engine(database_url)
    try:
        other = await create_check(engine, seeded.org_id, new_check())
    finally:
        await engine.dispose()
    [first] = await post_offers(client, seeded.check.token, 1)
    assert first.status == 200
    busy = await post_offers(client, other.token, 4)
    assert [r.status for r in busy] == [503] * 4, "busy, never 429: the retries made no session"
