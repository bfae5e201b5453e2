"""Media on every core: the HTTP process hands offers to media worker processes (`process.py`).

One Python process tops out near one core (the GIL), and every session's RTP, SRTP and SCTP
handling is Python. With `GREENROOM_MEDIA_WORKERS=N` the HTTP process starts N workers, each a
`Peers` of its own behind a Unix socket; a check always goes to the same worker (its id picks it),
so a reload still replaces the check's session there. ICE, DTLS and media go straight between the
browser and the worker; workers store results in the database themselves.

Each worker has a supervisor here. A worker that exits, or stops answering its heartbeat for
`HUNG_SECONDS` (then it is killed), loses its sessions: their checks are settled at once (back to
their last verdict), and the worker is started again. A start that fails is killed and tried again
after a pause that doubles up to `RETRY_PAUSE_MAX`; at the server's own start-up a worker has
`START_TRIES`, then the server does not start. Meanwhile the worker's candidates get 503 with
`Retry-After`, and `/healthz` 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from server.config import Settings
from server.media.rtc.sdp import Offer
from server.media.session.session import AbandonSink
from server.media.workers.worker import (
    ANSWER_SECONDS,
    OFFER_SECONDS,
    Worker,
    WorkerOffer,
    WorkerStartFailed,
    WorkerUnavailable,
)
from server.models.offer import AnswerBody
from server.models.result import Browser

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
"""How often each worker is asked whether it answers."""
HUNG_SECONDS = 10.0
"""A worker that has not answered for this long is killed and started again: its sessions are
broken by then (a data channel, a loopback that stalls for seconds), and it may never come back."""
START_TRIES = 3
"""Tries each worker has to start when the server starts; at run time a worker is tried forever."""
RETRY_PAUSE = 1.0
"""The pause after a failed start; it doubles after each failure, up to `RETRY_PAUSE_MAX`."""
RETRY_PAUSE_MAX = 30.0


class WorkerPool:
    """The HTTP process's side: which worker serves a check, and keeping the workers running."""

    def __init__(self, settings: Settings, count: int, *, on_abandoned: AbandonSink) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="greenroom-media-")
        # Workers serve media only; everything else about them is this process's settings.
        env = {**os.environ, **settings.as_env(), "GREENROOM_MEDIA_WORKERS": "0"}
        self.workers = [
            Worker(i, Path(self._folder.name) / f"worker-{i}.sock", env) for i in range(count)
        ]
        self._on_abandoned = on_abandoned
        # A session lives at most session_seconds after its offer; a check offered longer ago
        # than that has no session left on the worker to lose.
        self._session_seconds = settings.session_seconds
        self._offered: dict[int, dict[str, float]] = {w.index: {} for w in self.workers}
        self._supervisors: list[asyncio.Task[None]] = []

    def worker_for(self, check_id: str) -> Worker:
        return self.workers[int(check_id[:8], 16) % len(self.workers)]

    async def start(self) -> None:
        try:
            await asyncio.gather(*(self._start(w, tries=START_TRIES) for w in self.workers))
        except BaseException:
            await asyncio.gather(*(w.kill() for w in self.workers))
            raise
        self._supervisors = [
            asyncio.create_task(self._supervise(w), name=f"media worker {w.index}")
            for w in self.workers
        ]

    async def stop(self) -> None:
        for task in self._supervisors:
            task.cancel()
        await asyncio.gather(*self._supervisors, return_exceptions=True)
        await asyncio.gather(*(w.stop() for w in self.workers))
        # A worker that had to be killed did not close its sessions.
        for worker in self.workers:
            await self._settle(worker, self._lost_checks(worker))
        self._folder.cleanup()

    async def _start(self, worker: Worker, *, tries: int | None) -> None:
        """Start the worker, killing and trying again after each failure; `tries=None` tries
        until it starts."""
        pause = RETRY_PAUSE
        attempt = 0
        while True:
            attempt += 1
            try:
                await worker.start()
                return
            except WorkerStartFailed as exc:
                if tries is not None and attempt >= tries:
                    raise WorkerStartFailed(
                        f"media worker {worker.index} did not start in {tries} tries: {exc}"
                    ) from None
                log.error(
                    "media worker %d did not start (%s); trying again in %g s",
                    worker.index,
                    exc,
                    pause,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_PAUSE_MAX)

    async def _supervise(self, worker: Worker) -> None:
        while True:
            worker.ready = True
            await self._watch(worker)
            lost = self._lost_checks(worker)
            await self._settle(worker, lost)
            await self._start(worker, tries=None)
            # Again before it takes offers: a check whose offer the lost worker answered just
            # before it went may have been marked in progress after the first pass.
            await self._settle(worker, lost)

    async def _watch(self, worker: Worker) -> None:
        """Until the worker exits, or has not answered for `HUNG_SECONDS` (then it is killed).
        While a heartbeat goes unanswered, the worker takes no offers."""
        assert worker.process is not None
        exited = asyncio.create_task(worker.process.wait())
        heartbeat: asyncio.Task[bool] | None = None
        last_answer = time.monotonic()
        try:
            while True:
                heartbeat = asyncio.create_task(worker.answers())
                await asyncio.wait({exited, heartbeat}, return_when=asyncio.FIRST_COMPLETED)
                if exited.done():
                    log.error("media worker %d exited (%s)", worker.index, exited.result())
                    break
                answered = heartbeat.result()
                if answered:
                    last_answer = time.monotonic()
                elif time.monotonic() - last_answer >= HUNG_SECONDS:
                    log.error(
                        "media worker %d has not answered for %g s; killing it",
                        worker.index,
                        HUNG_SECONDS,
                    )
                    break
                elif worker.ready:
                    log.warning("media worker %d does not answer", worker.index)
                worker.ready = answered
                await asyncio.wait({exited}, timeout=HEARTBEAT_SECONDS)
        finally:
            # Cancelled only when the pool stops, which stops the worker itself.
            exited.cancel()
            if heartbeat is not None:
                heartbeat.cancel()
        await worker.kill()

    def _lost_checks(self, worker: Worker) -> list[str]:
        """The checks a lost worker may have had sessions for, forgotten from now on."""
        offered = self._offered[worker.index]
        recent = time.monotonic() - self._session_seconds
        lost = [check_id for check_id, at in offered.items() if at >= recent]
        offered.clear()
        return lost

    async def _settle(self, worker: Worker, check_ids: list[str]) -> None:
        """The checks of the sessions a lost worker took with it show their last verdict again."""
        for check_id in check_ids:
            try:
                await self._on_abandoned(check_id)
            except Exception:
                log.exception("could not settle a check of media worker %d", worker.index)

    def _note_offer(self, worker: Worker, check_id: str) -> None:
        offered = self._offered[worker.index]
        now = time.monotonic()
        offered[check_id] = now
        for old, at in list(offered.items()):
            if at < now - self._session_seconds:
                del offered[old]

    async def answer(self, check_id: str, offer: Offer, browser: Browser) -> AnswerBody:
        body = WorkerOffer(
            check_id=check_id,
            sdp=offer.sdp,
            kinds=sorted(offer.kinds),  # type: ignore[arg-type]
            browser=browser,
        )
        worker = self.worker_for(check_id)
        # Noted before it is sent: a worker lost while answering may have started the session.
        self._note_offer(worker, check_id)
        return AnswerBody.model_validate(
            await worker.call("POST", "/offer", body, seconds=OFFER_SECONDS)
        )

    async def connected(self, check_id: str) -> bool:
        """A worker that cannot say has no session connected that it can keep."""
        try:
            state = await self.worker_for(check_id).call("GET", f"/checks/{check_id}")
        except WorkerUnavailable:
            return False
        return bool(state["connected"])

    async def close_check(self, check_id: str) -> None:
        """A worker that cannot be reached now has no session to close, or is killed soon
        (`HUNG_SECONDS`) with all of them."""
        with contextlib.suppress(WorkerUnavailable):
            await self.worker_for(check_id).call("POST", f"/checks/{check_id}/close")

    async def live_sessions(self) -> int:
        """Raises `WorkerUnavailable` unless every worker answers within `ANSWER_SECONDS`."""
        counts = await asyncio.gather(
            *(w.call("GET", "/health", seconds=ANSWER_SECONDS) for w in self.workers)
        )
        return sum(int(c["sessions"]) for c in counts)


@contextlib.asynccontextmanager
async def running_pool(
    settings: Settings, count: int, *, on_abandoned: AbandonSink
) -> AsyncIterator[WorkerPool]:
    pool = WorkerPool(settings, count, on_abandoned=on_abandoned)
    try:
        await pool.start()
        yield pool
    finally:
        await pool.stop()
