"""One media worker process, from the HTTP process's side: starting it, asking whether it
answers, calling it, and ending it. Keeping it running is `pool.py`'s.

A worker is called only while it is `ready` (started, and answering its heartbeat); otherwise,
and whenever its socket fails or it does not answer in time, a call raises `WorkerUnavailable`,
a 503 with `Retry-After` that the page knows how to wait for. A call that goes unanswered makes
the worker not ready until it answers a heartbeat again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Literal

import aiohttp

from server.errors import Busy, GreenroomError
from server.models.base import Body, Id
from server.models.offer import MAX_OFFER_BYTES
from server.models.result import Browser

log = logging.getLogger(__name__)

START_SECONDS = 20.0
"""How long a new worker has to answer its socket before it is killed (importing aiortc, PyAV
and numpy takes a second or two on an idle machine, much more on a loaded one)."""
ANSWER_SECONDS = 1.5
"""How long a worker has to answer a heartbeat or a health question."""
OFFER_SECONDS = 10.0
"""How long a worker has to answer an offer (aiortc gathers its ICE candidates meanwhile)."""
CALL_SECONDS = 5.0
"""How long a worker has to answer anything else."""
STOP_SECONDS = 15.0
"""How long a worker asked to stop has to close its sessions before it is killed."""
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
RETRY_AFTER_SECONDS = 2
"""What a candidate is told to wait when their check's worker cannot take them: about what a
restart takes."""


def worker_command(socket_path: Path) -> list[str]:
    return [sys.executable, "-m", "server.media.workers.process", str(socket_path)]


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


class WorkerUnavailable(Busy):
    """The check's worker is starting again, or does not answer: ask again shortly."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_after=RETRY_AFTER_SECONDS)


class WorkerStartFailed(RuntimeError):
    """A worker exited or did not answer while starting; it has been killed."""


class Worker:
    def __init__(self, index: int, socket_path: Path, env: dict[str, str]) -> None:
        self.index = index
        self.socket_path = socket_path
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.ready = False
        """Offers and questions go to the worker: it has started and answers its heartbeat."""
        self.started_sessions = 0
        """Offers this process has answered (the pool counts them)."""
        self.live_sessions: int | None = None
        """What its last answered heartbeat said."""
        self.asked_at = 0.0
        """When that heartbeat was sent (monotonic)."""
        self.calls = 0
        """Calls sent and not answered yet."""
        self.call_ended_at = 0.0
        """When the last call ended (monotonic)."""
        self._http: aiohttp.ClientSession | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        """Start the process and wait until it answers; one try. A process that exits or does
        not answer within `START_SECONDS` is killed, and `WorkerStartFailed` raised. The worker
        is not `ready` yet: the pool says when it takes offers."""
        await self.kill()
        self.started_sessions = 0
        self.live_sessions = None
        self.socket_path.unlink(missing_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            *worker_command(self.socket_path), env=self.env
        )
        self._http = aiohttp.ClientSession(
            connector=aiohttp.UnixConnector(path=str(self.socket_path))
        )
        try:
            async with asyncio.timeout(START_SECONDS):
                while not await self.answers():
                    if self.process.returncode is not None:
                        raise WorkerStartFailed(f"exited with {self.process.returncode}")
                    await asyncio.sleep(0.1)
        except TimeoutError:
            await self.kill()
            raise WorkerStartFailed(f"did not answer within {START_SECONDS:g} s") from None
        except BaseException:
            await self.kill()
            raise
        log.info("media worker %d started (pid %d)", self.index, self.process.pid)

    async def answers(self) -> bool:
        """Whether the worker answers its health question within `ANSWER_SECONDS` (and how
        many sessions it has live, in `live_sessions`)."""
        if self._http is None:
            return False
        asked = time.monotonic()
        with contextlib.suppress(
            aiohttp.ClientError, OSError, TimeoutError, ValueError, KeyError, TypeError
        ):
            async with (
                asyncio.timeout(ANSWER_SECONDS),
                self._http.get("http://worker/health") as response,
            ):
                if response.status != 200:
                    return False
                self.live_sessions = int((await response.json())["sessions"])
                self.asked_at = asked
                return True
        return False

    def rss_mb(self) -> float | None:
        """The process's resident memory, where /proc tells it."""
        if not self.running:
            return None
        assert self.process is not None
        try:
            pages = int(Path(f"/proc/{self.process.pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return None
        return pages * PAGE_SIZE / 2**20

    async def stop(self) -> None:
        """Ask the worker to stop (it closes its sessions, which settle their checks); kill it
        if it has not within `STOP_SECONDS`."""
        self.ready = False
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(STOP_SECONDS):
                    await self.process.wait()
            except TimeoutError:
                log.error("media worker %d did not stop in time; killing it", self.index)
        await self.kill()

    async def kill(self) -> None:
        """End the process at once (it may be stopped or hung) and forget its connection."""
        self.ready = False
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def call(
        self, method: str, path: str, body: Body | None = None, *, seconds: float = CALL_SECONDS
    ) -> Any:
        """The worker's JSON answer; its own errors are raised as `WorkerError`, and a worker
        that is not ready, fails or does not answer within `seconds` as `WorkerUnavailable`."""
        if not self.ready or self._http is None:
            raise WorkerUnavailable("the media worker is starting again")
        self.calls += 1
        try:
            async with (
                asyncio.timeout(seconds),
                self._http.request(
                    method,
                    "http://worker" + path,
                    data=None if body is None else body.model_dump_json(),
                    headers={"Content-Type": "application/json"},
                ) as response,
            ):
                payload = await response.json()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            # No more offers until its heartbeat is answered again.
            self.ready = False
            log.warning(
                "media worker %d did not answer %s (%s)",
                self.index,
                path.split("/")[1],
                type(exc).__name__,
            )
            raise WorkerUnavailable("the media worker does not answer") from exc
        finally:
            self.calls -= 1
            self.call_ended_at = time.monotonic()
        if response.status >= 400:
            error = payload.get("error", {}) if isinstance(payload, dict) else {}
            raise WorkerError(
                response.status,
                str(error.get("code", "error")),
                str(error.get("message", "")),
                response.headers.get("Retry-After"),
            )
        return payload
