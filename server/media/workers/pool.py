"""Media on every core: the HTTP process hands offers to media worker processes (`process.py`).

One Python process tops out near one core (the GIL), and every session's RTP, SRTP and SCTP
handling is Python. With `GREENROOM_MEDIA_WORKERS=N` the HTTP process starts N workers, each a
`Peers` of its own behind a Unix socket; a check always goes to the same worker (its id picks it),
so a reload still replaces the check's session there. ICE, DTLS and media go straight between the
browser and the worker; workers store results in the database themselves.

The HTTP process restarts a worker that dies; its sessions are lost with it, as they would be
with the whole process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import aiohttp

from server.config import Settings
from server.errors import GreenroomError
from server.media.rtc.sdp import Offer
from server.models.base import Body, Id
from server.models.offer import MAX_OFFER_BYTES, AnswerBody
from server.models.result import Browser

log = logging.getLogger(__name__)

START_SECONDS = 20.0
RESTART_PAUSE = 1.0


class WorkerOffer(Body):
    """An offer the HTTP process validated, handed to the worker that serves its check."""

    max_bytes = MAX_OFFER_BYTES + 4096

    check_id: Id
    sdp: str
    kinds: list[Literal["audio", "video", "application"]]
    browser: Browser


class WorkerError(GreenroomError):
    """An error a worker answered with, passed on to the client as it is."""

    def __init__(self, status: int, code: str, message: str, retry_after: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = int(retry_after) if retry_after and retry_after.isdigit() else None


class Worker:
    def __init__(self, index: int, socket_path: Path, env: dict[str, str]) -> None:
        self.index = index
        self.socket_path = socket_path
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.media.workers.process",
            str(self.socket_path),
            env=self.env,
        )
        self.http = aiohttp.ClientSession(
            connector=aiohttp.UnixConnector(path=str(self.socket_path)),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        deadline = asyncio.get_running_loop().time() + START_SECONDS
        while True:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with self.http.get("http://worker/health") as response:
                    if response.status == 200:
                        log.info("media worker %d started (pid %d)", self.index, self.process.pid)
                        return
            if self.process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"media worker {self.index} did not start")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
            self.http = None
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def call(self, method: str, path: str, body: Body | None = None) -> Any:
        if self.http is None:
            raise WorkerError(503, "busy", "the media worker is restarting", "2")
        async with self.http.request(
            method,
            "http://worker" + path,
            data=None if body is None else body.model_dump_json(),
            headers={"Content-Type": "application/json"},
        ) as response:
            payload = await response.json()
            if response.status >= 400:
                error = payload.get("error", {})
                raise WorkerError(
                    response.status,
                    str(error.get("code", "error")),
                    str(error.get("message", "")),
                    response.headers.get("Retry-After"),
                )
            return payload


class WorkerPool:
    """The HTTP process's side: which worker serves a check, and keeping the workers running."""

    def __init__(self, settings: Settings, count: int) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="greenroom-media-")
        # Workers serve media only; everything else about them is this process's settings.
        env = {**os.environ, **settings.as_env(), "GREENROOM_MEDIA_WORKERS": "0"}
        self.workers = [
            Worker(i, Path(self._folder.name) / f"worker-{i}.sock", env) for i in range(count)
        ]
        self._watch: asyncio.Task[None] | None = None

    def worker_for(self, check_id: str) -> Worker:
        return self.workers[int(check_id[:8], 16) % len(self.workers)]

    async def start(self) -> None:
        await asyncio.gather(*(w.start() for w in self.workers))
        self._watch = asyncio.create_task(self._keep_running(), name="media workers")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        await asyncio.gather(*(w.stop() for w in self.workers))
        self._folder.cleanup()

    async def _keep_running(self) -> None:
        while True:
            await asyncio.sleep(RESTART_PAUSE)
            for worker in self.workers:
                process = worker.process
                if process is not None and process.returncode is not None:
                    log.error(
                        "media worker %d exited (%s); restarting", worker.index, process.returncode
                    )
                    await worker.stop()
                    try:
                        await worker.start()
                    except Exception:
                        log.exception("media worker %d could not be restarted", worker.index)

    async def answer(self, check_id: str, offer: Offer, browser: Browser) -> AnswerBody:
        body = WorkerOffer(
            check_id=check_id,
            sdp=offer.sdp,
            kinds=sorted(offer.kinds),  # type: ignore[arg-type]
            browser=browser,
        )
        return AnswerBody.model_validate(
            await self.worker_for(check_id).call("POST", "/offer", body)
        )

    async def connected(self, check_id: str) -> bool:
        state = await self.worker_for(check_id).call("GET", f"/checks/{check_id}")
        return bool(state["connected"])

    async def close_check(self, check_id: str) -> None:
        await self.worker_for(check_id).call("POST", f"/checks/{check_id}/close")

    async def live_sessions(self) -> int:
        counts = await asyncio.gather(*(w.call("GET", "/health") for w in self.workers))
        return sum(int(c["sessions"]) for c in counts)


@contextlib.asynccontextmanager
async def running_pool(settings: Settings, count: int) -> AsyncIterator[WorkerPool]:
    pool = WorkerPool(settings, count)
    try:
        await pool.start()
        yield pool
    finally:
        await pool.stop()
