"""Media in worker processes: the same check, answered by a worker chosen by the check's id."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate
from server.config import Settings
from server.keys import media_key
from server.media.workers.pool import WorkerPool
from tests.conftest import AiohttpClient, Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, speech_like


@pytest.fixture
async def workers_client(aiohttp_client: AiohttpClient, settings: Settings) -> TestClient[Any, Any]:
    app: web.Application = create_app(dataclasses.replace(settings, media_workers=2))
    test_client: TestClient[Any, Any] = await aiohttp_client(app)
    return test_client


def peer() -> FakeCandidate:
    return FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)), SoundTrack(speech_like(2.0))
    )


async def test_a_worker_runs_the_check_and_stores_its_verdict(
    workers_client: TestClient[Any, Any], seeded: Seeded
) -> None:
    candidate = peer()
    try:
        await candidate.connect(workers_client, seeded.check.token)
        verdict = await candidate.next_message("verdict", within=20)
        assert candidate.received["video"] > 10, "the worker loops the video back"
        health = await (await workers_client.get("/healthz")).json()
        assert health == {"status": "ok", "sessions": 1}
    finally:
        await candidate.close()
    response = await workers_client.get(
        f"/api/v1/checks/{seeded.check.id}", headers={"Authorization": f"Bearer {seeded.api_key}"}
    )
    assert (await response.json())["latest_result"] == verdict["result"]


async def test_a_reload_is_answered_by_the_same_worker_and_replaces_the_session(
    workers_client: TestClient[Any, Any], seeded: Seeded
) -> None:
    first, second = peer(), peer()
    try:
        await first.connect(workers_client, seeded.check.token)
        await first.next_message("metrics", within=10)
        await second.connect(workers_client, seeded.check.token)
        await second.next_message("metrics", within=10)
        media = workers_client.app[media_key]
        assert await media.live_sessions() == 1, "one live session per check"
        assert await media.connected(seeded.check.id)
    finally:
        await first.close()
        await second.close()


async def test_a_worker_that_dies_is_started_again(
    workers_client: TestClient[Any, Any], seeded: Seeded
) -> None:
    pool = workers_client.app[media_key]
    assert isinstance(pool, WorkerPool)
    worker = pool.worker_for(seeded.check.id)
    assert worker.process is not None
    dead = worker.process.pid
    os.kill(dead, signal.SIGKILL)
    for _ in range(100):
        await asyncio.sleep(0.1)
        if worker.process.pid != dead and (await workers_client.get("/healthz")).status == 200:
            break
    candidate = peer()
    try:
        await candidate.connect(workers_client, seeded.check.token)
        await candidate.next_message("metrics", within=10)
    finally:
        await candidate.close()
    assert worker.process.pid != dead
