"""Media in worker processes: the same check, answered by a worker chosen by the check's id; and
workers that fail (killed, stopped, failing to start) with real processes and aiortc peers."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate, SpeakersReply
from server.bench.server import running_server
from server.checks import attempts
from server.config import Settings
from server.keys import media_key
from server.media.workers import pool as pool_module
from server.media.workers import worker as worker_module
from server.media.workers.pool import WorkerPool, running_pool
from server.media.workers.worker import Worker, WorkerStartFailed
from server.models.check import Check
from server.models.messages import SpeakersAnswer
from server.store.checks import check_by_id, create_check
from server.store.db import create_engine
from tests.conftest import AiohttpClient, Seeded, new_check
from tests.support import checks as vendor
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, speech_like

Client = TestClient[Any, Any]


async def workers_app(aiohttp_client: AiohttpClient, settings: Settings, count: int) -> Client:
    app: web.Application = create_app(dataclasses.replace(settings, media_workers=count))
    test_client: Client = await aiohttp_client(app)
    return test_client


@pytest.fixture
async def workers_client(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    return await workers_app(aiohttp_client, settings, 2)


@pytest.fixture
async def one_worker(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    """One worker: every check meets the one that fails, and the machine's two cores are
    not spent starting a second."""
    return await workers_app(aiohttp_client, settings, 1)


def peer(speakers: SpeakersReply = "confirm") -> FakeCandidate:
    return FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)),
        SoundTrack(speech_like(2.0)),
        speakers=speakers,
    )


def worker_of(client: Client, seeded: Seeded) -> Worker:
    pool = client.app[media_key]
    assert isinstance(pool, WorkerPool)
    return pool.worker_for(seeded.check.id)


def pid_of(worker: Worker) -> int:
    assert worker.process is not None
    return worker.process.pid


def alive(pid: int) -> bool:
    """Running, stopped or hung, but not exited (an orphan's zombie waits for a stranger)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def check_status(client: Client, seeded: Seeded) -> str:
    response = await client.get(
        f"/api/v1/checks/{seeded.check.id}", headers={"Authorization": f"Bearer {seeded.api_key}"}
    )
    return str((await response.json())["status"])


async def seconds_until(
    condition: Callable[[], Awaitable[bool]], within: float, step: float = 0.05
) -> float:
    """How long until `condition` holds, polled every `step`; fails after `within` seconds."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < within, f"not within {within} s"
        await asyncio.sleep(step)
    return time.monotonic() - started


async def healthz(client: Client) -> int:
    return (await client.get("/healthz")).status


FLAKY_WORKER = """
import os, sys, time
pids, mode, socket_path = sys.argv[1:]
with open(pids, "a") as f:
    f.write(f"{os.getpid()}\\n")
if mode == "exit":
    sys.exit(3)
if mode == "hang":
    time.sleep(600)
os.execv(sys.executable, [sys.executable, "-m", "server.media.workers.process", socket_path])
"""


@dataclasses.dataclass
class FlakyStarts:
    """Replaces the worker command: the next starts do each of `modes` ("exit" at once, "hang"
    without ever answering), and later ones start a real worker. Notes when and which."""

    pids_file: Path
    modes: list[str]
    spawned_at: list[float] = dataclasses.field(default_factory=list)

    def command(self, socket_path: Path) -> list[str]:
        self.spawned_at.append(time.monotonic())
        mode = self.modes.pop(0) if self.modes else "run"
        return [sys.executable, "-c", FLAKY_WORKER, str(self.pids_file), mode, str(socket_path)]

    def pids(self) -> list[int]:
        return [int(line) for line in self.pids_file.read_text().split()]

    def pauses(self) -> list[float]:
        return [b - a for a, b in zip(self.spawned_at, self.spawned_at[1:], strict=False)]


@pytest.fixture
def flaky_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[list[str]], FlakyStarts]:
    def install(modes: list[str]) -> FlakyStarts:
        flaky = FlakyStarts(tmp_path / "pids", modes)
        monkeypatch.setattr(worker_module, "worker_command", flaky.command)
        return flaky

    return install


async def test_a_worker_runs_the_check_and_stores_its_verdict(
    workers_client: Client, seeded: Seeded
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
    workers_client: Client, seeded: Seeded
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


async def test_a_worker_killed_mid_check_settles_the_check_at_once_and_is_started_again(
    one_worker: Client,
    seeded: Seeded,
    settings: Settings,
    flaky_starts: Callable[[list[str]], FlakyStarts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool_module, "RETRY_PAUSE", 1.0)
    flaky_starts(["exit"])  # a second to mark the check as a late answer's mark would
    worker = worker_of(one_worker, seeded)
    dead = pid_of(worker)
    candidate = peer(speakers="ignore")
    try:
        await candidate.connect(one_worker, seeded.check.token)
        await candidate.next_message("metrics", within=10)
        assert await check_status(one_worker, seeded) == "in_progress"
        os.kill(dead, signal.SIGKILL)

        async def settled() -> bool:
            return await check_status(one_worker, seeded) == "not_started"

        assert await seconds_until(settled, within=2) < 2
    finally:
        await candidate.close()
    # The HTTP process marks a check in progress after its worker answered: that mark can land
    # after the worker is lost and its checks settled.
    assert not worker.ready
    engine = create_engine(settings.database_url)
    try:
        await attempts.start(engine, seeded.check.id)
    finally:
        await engine.dispose()
    assert await check_status(one_worker, seeded) == "in_progress"

    async def restarted() -> bool:
        return worker.ready and await healthz(one_worker) == 200

    await seconds_until(restarted, within=30)
    assert pid_of(worker) != dead
    assert await check_status(one_worker, seeded) == "not_started", "settled again"
    again = peer()
    try:
        await again.connect(one_worker, seeded.check.token)
        await again.next_message("metrics", within=10)
    finally:
        await again.close()


async def test_candidates_meeting_a_restarting_worker_get_503_with_retry_after_never_500(
    one_worker: Client,
    seeded: Seeded,
    flaky_starts: Callable[[list[str]], FlakyStarts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool_module, "RETRY_PAUSE", 0.5)
    flaky = flaky_starts(["exit", "exit"])
    worker = worker_of(one_worker, seeded)
    dead = pid_of(worker)
    candidate = peer()
    offer = await candidate.offer()
    answers: list[tuple[int, str | None, str]] = []
    health: list[int] = []

    async def post_offer() -> int:
        async with one_worker.post(f"/c/{seeded.check.token}/offer", json=offer) as response:
            body = await response.json()
            code = body.get("error", {}).get("code", "")
            answers.append((response.status, response.headers.get("Retry-After"), code))
            return response.status

    try:
        # Offers arrive before, during and after the kill; the worker then fails to start twice.
        for _ in range(3):
            assert await post_offer() == 200
        os.kill(dead, signal.SIGKILL)
        started = time.monotonic()
        while not (worker.ready and await post_offer() == 200):
            await post_offer()
            health.append(await healthz(one_worker))
            assert time.monotonic() - started < 30, "the worker was not started again"
            await asyncio.sleep(0.05)
    finally:
        await candidate.close()

    statuses = {status for status, _, _ in answers}
    assert statuses == {200, 503}, answers
    refused = [(after, code) for status, after, code in answers if status == 503]
    assert all(code == "busy" and after is not None and int(after) >= 1 for after, code in refused)
    assert 503 in health
    assert len(flaky.spawned_at) == 3, "two failed starts, then the one that ran"
    first, second = flaky.pauses()
    assert first >= 0.5
    assert second >= 1.0, "the pause doubles after each failure"
    assert not any(alive(pid) for pid in flaky.pids()[:2])


HUNG_SECONDS = 5.0
"""Shorter than the server's, longer than the test's first stop."""


async def test_a_stopped_worker_makes_healthz_503_within_3_s_and_is_killed_if_it_stays_stopped(
    one_worker: Client, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "HUNG_SECONDS", HUNG_SECONDS)
    worker = worker_of(one_worker, seeded)
    stopped = pid_of(worker)
    candidate = peer(speakers="ignore")
    try:
        await candidate.connect(one_worker, seeded.check.token)
        await candidate.next_message("metrics", within=10)

        async def unhealthy() -> bool:
            return await healthz(one_worker) == 503

        # Stopped for a moment: unhealthy, refusing offers, then back with its session.
        os.kill(stopped, signal.SIGSTOP)
        assert await seconds_until(unhealthy, within=3) < 3
        second = peer()
        try:
            began = time.monotonic()
            async with one_worker.post(
                f"/c/{seeded.check.token}/offer", json=await second.offer()
            ) as response:
                assert response.status == 503
                assert response.headers["Retry-After"] == "2"
            assert time.monotonic() - began < 1, "a worker known not to answer is not waited for"
        finally:
            await second.close()
        os.kill(stopped, signal.SIGCONT)

        async def healthy() -> bool:
            return await healthz(one_worker) == 200

        await seconds_until(healthy, within=5)
        assert pid_of(worker) == stopped
        assert await check_status(one_worker, seeded) == "in_progress"
        candidate.messages = asyncio.Queue()
        await candidate.next_message("metrics", within=5)

        # Stopped for good: killed after HUNG_SECONDS, its check settled, a new worker started.
        os.kill(stopped, signal.SIGSTOP)
        await seconds_until(unhealthy, within=3)

        async def killed_and_settled() -> bool:
            return not alive(stopped) and await check_status(one_worker, seeded) == "not_started"

        await seconds_until(killed_and_settled, within=HUNG_SECONDS + 3)
    finally:
        await candidate.close()
    await seconds_until(healthy, within=30)
    assert pid_of(worker) != stopped


async def latest_result(client: Client, seeded: Seeded, check: Check) -> Any:
    response = await client.get(
        f"/api/v1/checks/{check.id}", headers={"Authorization": f"Bearer {seeded.api_key}"}
    )
    return (await response.json())["latest_result"]


async def test_a_worker_replaced_after_its_sessions_mid_traffic_loses_no_session_or_result(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    client = await workers_app(
        aiohttp_client, dataclasses.replace(settings, worker_max_sessions=2), 1
    )
    engine = create_engine(settings.database_url)
    try:
        checks = [seeded.check] + [
            await create_check(engine, seeded.org_id, new_check()) for _ in range(2)
        ]
    finally:
        await engine.dispose()
    pool = client.app[media_key]
    assert isinstance(pool, WorkerPool)
    worn = pool.workers[0]
    worn_pid = pid_of(worn)
    # The first stays in the speakers step until told: live on the worn worker through the swap.
    first, second, third = peer(speakers="ignore"), peer(), peer()
    try:
        await first.connect(client, checks[0].token)
        await second.connect(client, checks[1].token)

        async def replaced() -> bool:
            return pool.workers[0] is not worn and pool.workers[0].ready

        await seconds_until(replaced, within=30)
        assert alive(worn_pid), "the worn worker drains: its sessions go on"
        assert await healthz(client) == 200
        await third.connect(client, checks[2].token)
        assert pool.worker_for(checks[2].id) is not worn, "new sessions go to the fresh worker"
        await first.next_message("step", within=10)
        first.send(SpeakersAnswer(heard=True))
        verdicts = [await p.next_message("verdict", within=20) for p in (first, second, third)]
        assert alive(worn_pid)
    finally:
        for candidate in (first, second, third):
            await candidate.close()

    async def stopped() -> bool:
        return not alive(worn_pid)

    await seconds_until(stopped, within=10)
    for check, verdict in zip(checks, verdicts, strict=True):
        assert await latest_result(client, seeded, check) == verdict["result"]
    assert not pool.draining


async def forget(check_id: str) -> None:
    """No database here: the pool's own start is what is tested."""


async def test_a_start_that_hangs_is_killed_and_tried_again(
    settings: Settings,
    flaky_starts: Callable[[list[str]], FlakyStarts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker_module, "START_SECONDS", 2.0)
    monkeypatch.setattr(pool_module, "RETRY_PAUSE", 0.1)
    flaky = flaky_starts(["hang"])
    async with running_pool(settings, 1, on_abandoned=forget) as pool:
        assert await pool.live_sessions() == 0
        hung, running = flaky.pids()
        assert not alive(hung), "the start that hung was killed"
        assert alive(running)
    assert not alive(running)


async def test_a_server_whose_worker_cannot_start_does_not_start_and_leaves_no_process(
    settings: Settings,
    flaky_starts: Callable[[list[str]], FlakyStarts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pool_module, "RETRY_PAUSE", 0.2)
    flaky = flaky_starts(["exit", "exit", "exit", "exit"])
    with pytest.raises(WorkerStartFailed, match="did not start in 3 tries"):
        async with running_pool(settings, 1, on_abandoned=forget):
            pass
    assert len(flaky.spawned_at) == pool_module.START_TRIES
    first, second = flaky.pauses()
    assert first >= 0.2
    assert second >= 0.4
    assert not any(alive(pid) for pid in flaky.pids())


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def socket_folder(worker: int) -> Path:
    """The folder of the worker's socket, the last argument of its command line."""
    socket_path = Path(Path(f"/proc/{worker}/cmdline").read_text().split("\0")[-2])
    assert socket_path.is_socket()
    return socket_path.parent


async def test_the_workers_of_a_killed_server_stop_and_settle_their_checks(tmp_path: Path) -> None:
    with running_server(tmp_path, {"GREENROOM_MEDIA_WORKERS": "1"}) as server:
        check = await asyncio.to_thread(vendor.create_check, server)
        [worker] = children(server.process.pid)
        folder = socket_folder(worker)
        candidate = peer(speakers="ignore")
        try:
            async with aiohttp.ClientSession() as http:
                await candidate.connect(http, vendor.token_of(check), server.base_url)
            await candidate.next_message("metrics", within=10)
            server.process.kill()
            await asyncio.to_thread(server.process.wait)

            async def gone() -> bool:
                return not alive(worker)

            await seconds_until(gone, within=10)
            assert not folder.exists(), "the last worker out removes the folder"
        finally:
            await candidate.close()
    engine = create_engine(server.database_url)
    try:
        stored = await check_by_id(engine, check["id"])
    finally:
        await engine.dispose()
    assert stored is not None
    assert stored.status.value == "not_started", "its session settled it as the worker stopped"
