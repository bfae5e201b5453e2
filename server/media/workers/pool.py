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

A worker that has started `GREENROOM_WORKER_MAX_SESSIONS` sessions, or holds
`GREENROOM_WORKER_MAX_RSS_MB` of memory, is replaced while it serves: a fresh process starts
beside it and, once it answers, takes the slot's new offers; the old one drains (it keeps its live
sessions, which finish as usual) and is stopped once it has none. Nobody meets a 503 for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Literal

from server.config import Settings
from server.media.rtc.sdp import Offer
from server.media.session.session import AbandonSink
from server.media.workers import memory
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

Watched = Literal["done", "lost"]

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
RECYCLE_PAUSE = 60.0
"""After a replacement failed to start, how long the worn worker serves before another try."""
DRAIN_MARGIN_SECONDS = 30.0
"""A draining worker is stopped at the latest this long after its sessions' hard time limit."""


class WorkerPool:
    """The HTTP process's side: which worker serves a check, and keeping the workers running."""

    def __init__(self, settings: Settings, count: int, *, on_abandoned: AbandonSink) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="greenroom-media-")
        # Workers serve media only; everything else about them is this process's settings.
        self._env = {
            "MALLOC_ARENA_MAX": memory.ARENA_MAX,
            **os.environ,
            **settings.as_env(),
            "GREENROOM_MEDIA_WORKERS": "0",
        }
        self._generations = [0] * count
        self.workers = [self._new_worker(i) for i in range(count)]
        """The worker of each slot that takes its offers."""
        self.draining: dict[Worker, asyncio.Task[None]] = {}
        """Replaced workers finishing their live sessions, each with the task that stops it."""
        self._on_abandoned = on_abandoned
        # A session lives at most session_seconds after its offer; a check offered longer ago
        # than that has no session left on the worker to lose.
        self._session_seconds = settings.session_seconds
        self._max_sessions = settings.worker_max_sessions
        self._max_rss_mb = settings.worker_max_rss_mb
        self._offered: dict[Worker, dict[str, float]] = {}
        self._recycle_after = [0.0] * count
        self._supervisors: list[asyncio.Task[None]] = []

    def _new_worker(self, slot: int) -> Worker:
        self._generations[slot] += 1
        name = f"worker-{slot}-{self._generations[slot]}.sock"
        return Worker(slot, Path(self._folder.name) / name, self._env)

    def worker_for(self, check_id: str) -> Worker:
        return self.workers[self._slot(check_id)]

    def _slot(self, check_id: str) -> int:
        return int(check_id[:8], 16) % len(self.workers)

    def _earlier(self, check_id: str) -> list[Worker]:
        """Draining workers of the check's slot that may still have a session of it."""
        slot = self._slot(check_id)
        return [
            w for w in self.draining if w.index == slot and check_id in self._offered.get(w, {})
        ]

    async def start(self) -> None:
        try:
            await asyncio.gather(*(self._start(w, tries=START_TRIES) for w in self.workers))
        except BaseException:
            await asyncio.gather(*(w.kill() for w in self.workers))
            raise
        self._supervisors = [
            asyncio.create_task(self._supervise(slot), name=f"media worker {slot}")
            for slot in range(len(self.workers))
        ]

    async def stop(self) -> None:
        tasks = [*self._supervisors, *self.draining.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A drain cancelled above leaves its worker in `draining`, to be stopped here.
        everyone = [*self.workers, *self.draining]
        await asyncio.gather(*(w.stop() for w in everyone))
        # A worker that had to be killed did not close its sessions.
        for worker in everyone:
            await self._settle(worker, self._lost_checks(worker))
        self.draining.clear()
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

    async def _supervise(self, slot: int) -> None:
        while True:
            worker = self.workers[slot]
            worker.ready = True
            if await self._watch(worker, until=self._worn) == "done":
                await self._replace(slot, worker)
                continue
            lost = self._lost_checks(worker)
            await self._settle(worker, lost)
            await self._start(worker, tries=None)
            # Again before it takes offers: a check whose offer the lost worker answered just
            # before it went may have been marked in progress after the first pass.
            await self._settle(worker, lost)

    async def _watch(self, worker: Worker, *, until: Callable[[Worker], bool]) -> Watched:
        """Until `until(worker)` holds after an answered heartbeat ("done"), or the worker exits
        or has not answered for `HUNG_SECONDS` ("lost": it is killed). While a heartbeat goes
        unanswered, the worker takes no offers."""
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
                if answered and until(worker):
                    return "done"
                await asyncio.wait({exited}, timeout=HEARTBEAT_SECONDS)
        finally:
            # Cancelled only when the pool stops, which stops the worker itself.
            exited.cancel()
            if heartbeat is not None:
                heartbeat.cancel()
        await worker.kill()
        return "lost"

    # Recycling: a worn worker is replaced while it serves, then drained and stopped.

    def _worn(self, worker: Worker) -> bool:
        if time.monotonic() < self._recycle_after[worker.index]:
            return False
        if self._max_sessions and worker.started_sessions >= self._max_sessions:
            log.info(
                "media worker %d has started %d sessions; replacing it",
                worker.index,
                worker.started_sessions,
            )
            return True
        rss = worker.rss_mb()
        if self._max_rss_mb and rss is not None and rss >= self._max_rss_mb:
            log.info("media worker %d holds %.0f MB; replacing it", worker.index, rss)
            return True
        return False

    async def _replace(self, slot: int, worn: Worker) -> None:
        """Start a fresh worker for the slot while the worn one serves; once it answers, it
        takes the slot's offers and the worn one drains. If it cannot start, the worn one
        serves on and is tried again after `RECYCLE_PAUSE`."""
        fresh = self._new_worker(slot)
        try:
            await fresh.start()
        except WorkerStartFailed as exc:
            log.error("media worker %d: its replacement did not start (%s)", slot, exc)
            self._recycle_after[slot] = time.monotonic() + RECYCLE_PAUSE
            return
        fresh.ready = True
        self.workers[slot] = fresh
        self.draining[worn] = asyncio.create_task(
            self._drain(worn), name=f"media worker {slot}: draining"
        )

    async def _drain(self, worker: Worker) -> None:
        """Until the replaced worker has no session and no call under way, or its sessions'
        time limit has passed; then it is stopped. Lost meanwhile, its checks are settled."""
        deadline = time.monotonic() + self._session_seconds + DRAIN_MARGIN_SECONDS

        def drained(worker: Worker) -> bool:
            # No session at the heartbeat, and no call under way or ended since it was sent:
            # an offer answered meanwhile would have a session the heartbeat did not count.
            idle = worker.live_sessions == 0 and worker.calls == 0
            return (idle and worker.call_ended_at < worker.asked_at) or (
                time.monotonic() >= deadline
            )

        if await self._watch(worker, until=drained) == "done":
            await worker.stop()
            log.info("media worker %d: the replaced process has stopped", worker.index)
        await self._settle(worker, self._lost_checks(worker))
        del self.draining[worker]
        self._offered.pop(worker, None)

    def _lost_checks(self, worker: Worker) -> list[str]:
        """The checks a lost worker may have had sessions for, forgotten from now on."""
        offered = self._offered.get(worker, {})
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
        offered = self._offered.setdefault(worker, {})
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
        # A reload replaces the check's session, also one left on a replaced worker; from now
        # on the check is the fresh worker's alone (a drained one must not settle it).
        earlier = self._earlier(check_id)
        await self._close_on(earlier, check_id)
        for old in earlier:
            self._offered[old].pop(check_id, None)
        worker = self.worker_for(check_id)
        # Noted before it is sent: a worker lost while answering may have started the session.
        self._note_offer(worker, check_id)
        answer = AnswerBody.model_validate(
            await worker.call("POST", "/offer", body, seconds=OFFER_SECONDS)
        )
        worker.started_sessions += 1
        return answer

    async def connected(self, check_id: str) -> bool:
        """A worker that cannot say has no session connected that it can keep."""
        for worker in [self.worker_for(check_id), *self._earlier(check_id)]:
            try:
                state = await worker.call("GET", f"/checks/{check_id}")
            except WorkerUnavailable:
                continue
            if state["connected"]:
                return True
        return False

    async def close_check(self, check_id: str) -> None:
        await self._close_on([self.worker_for(check_id), *self._earlier(check_id)], check_id)

    async def _close_on(self, workers: list[Worker], check_id: str) -> None:
        """A worker that cannot be reached now has no session to close, or is killed soon
        (`HUNG_SECONDS`) with all of them."""
        for worker in workers:
            with contextlib.suppress(WorkerUnavailable):
                await worker.call("POST", f"/checks/{check_id}/close")

    async def live_sessions(self) -> int:
        """Raises `WorkerUnavailable` unless every worker taking offers answers within
        `ANSWER_SECONDS`; a draining one counts what its last heartbeat said."""
        counts = await asyncio.gather(
            *(w.call("GET", "/health", seconds=ANSWER_SECONDS) for w in self.workers)
        )
        draining = sum(w.live_sessions or 0 for w in self.draining)
        return sum(int(c["sessions"]) for c in counts) + draining


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
