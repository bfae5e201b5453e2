"""Admission by headroom with real aiortc peers: a media process that lacks headroom (its loop
stuck, its CPU spent, its decoding slots taken) answers 503 + Retry-After; one that has it
admits. In the HTTP process and in a worker."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate
from server.config import Settings
from server.keys import engine_key, peers_key
from server.media.session.headroom import Headroom
from server.store.checks import create_check
from tests.conftest import AiohttpClient, Seeded, new_check
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, speech_like

Client = TestClient[Any, Any]


def peer() -> FakeCandidate:
    """Made before the app starts: drawing its picture holds the loop the app measures."""
    return FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)), SoundTrack(speech_like(2.0))
    )


ONLY_DECODING: dict[str, Any] = {
    "admission_max_decoding": 1,
    "admission_max_cpu": 64.0,
    "admission_max_lag_ms": 10_000.0,
}
"""Refusal by sessions in their decoding window alone: the test's own peers share the process,
so its CPU and loop lag are partly theirs."""


async def app_client(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    """The app admitting by headroom (the suite's other tests admit by the cap alone)."""
    app: web.Application = create_app(replace(settings, admission="headroom"))
    client: Client = await aiohttp_client(app)
    return client


async def assert_refused(client: Client, token: str, person: FakeCandidate) -> None:
    response = await client.post(f"/c/{token}/offer", json=await person.offer())
    assert response.status == 503, await response.text()
    assert int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"]["code"] == "busy"


async def until(condition: Callable[[], bool], *, within: float) -> None:
    """Polls: what is waited for is a measured figure, which signals nothing when it changes."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def headroom_of(client: Client) -> Headroom:
    headroom: Headroom | None = client.app[peers_key].headroom
    assert headroom is not None
    return headroom


@pytest.fixture
def burning() -> Iterator[None]:
    """Two threads hashing: real CPU in this process, without holding its event loop."""
    stop = threading.Event()

    def burn() -> None:
        block = bytes(1 << 20)
        while not stop.is_set():
            hashlib.sha256(block).digest()

    threads = [threading.Thread(target=burn) for _ in range(2)]
    for thread in threads:
        thread.start()
    yield
    stop.set()
    for thread in threads:
        thread.join()


async def test_a_process_whose_loop_is_stuck_refuses(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    first, second = peer(), peer()
    client = await app_client(aiohttp_client, replace(settings, admission_max_lag_ms=100.0))
    other = await create_check(client.app[engine_key], seeded.org_id, new_check())
    try:
        await first.connect(client, seeded.check.token)  # an idle process takes one anyway
        await first.next_message("metrics")
        time.sleep(0.8)  # noqa: ASYNC251 (a synchronous call holding the loop, on purpose)
        await assert_refused(client, other.token, second)
        assert len(client.app[peers_key]) == 1
    finally:
        await first.close()
        await second.close()


@pytest.mark.usefixtures("burning")
async def test_a_process_whose_cpu_is_spent_refuses(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    # A low bound, so that the burning threads pass it also while other work shares the cores.
    first, second = peer(), peer()
    client = await app_client(
        aiohttp_client, replace(settings, admission_max_cpu=0.3, admission_decoding_cpu=0.05)
    )
    other = await create_check(client.app[engine_key], seeded.org_id, new_check())
    try:
        await first.connect(client, seeded.check.token)  # an idle process takes one anyway
        await until(lambda: headroom_of(client).cpu() > 0.3, within=5)
        await assert_refused(client, other.token, second)
    finally:
        await first.close()
        await second.close()


async def test_sessions_still_decoding_take_the_slots_until_their_verdict(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    first, second, third = peer(), peer(), peer()
    client = await app_client(aiohttp_client, replace(settings, **ONLY_DECODING))
    other = await create_check(client.app[engine_key], seeded.org_id, new_check())
    try:
        await first.connect(client, seeded.check.token)
        await assert_refused(client, other.token, second)
        # Judged (the speakers confirmed at once): it only loops back now, and costs little.
        await first.next_message("verdict", within=15)
        session = client.app[peers_key].get(first.session_id)
        assert session is not None
        await until(lambda: session.result is not None, within=2)
        await third.connect(client, other.token)
        assert len(client.app[peers_key]) == 2
    finally:
        for person in (first, second, third):
            await person.close()


async def test_a_worker_without_headroom_refuses_through_the_http_process(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    first, second = peer(), peer()
    client = await app_client(aiohttp_client, replace(settings, media_workers=1, **ONLY_DECODING))
    other = await create_check(client.app[engine_key], seeded.org_id, new_check())
    try:
        await first.connect(client, seeded.check.token)
        await assert_refused(client, other.token, second)
    finally:
        await first.close()
        await second.close()
