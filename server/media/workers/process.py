"""A media worker process: `python -m server.media.workers.process SOCKET` (started by
`pool.py`). Its own `Peers` behind a Unix socket that only the HTTP process reaches; it stores
its sessions' results itself, through the service layer. A worker whose HTTP process is gone
(killed, crashed) can be sent no offer again: it stops, and its sessions settle their checks."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from server.checks.attempts import abandon, record_verdict
from server.config import Settings
from server.errors import GreenroomError
from server.logs import configure_logging
from server.media.rtc.sdp import Offer
from server.media.session.peers import Peers, running_peers
from server.media.workers.memory import release_free_memory
from server.media.workers.worker import WorkerOffer
from server.models.base import decode
from server.store.db import create_engine

log = logging.getLogger(__name__)

ORPHAN_CHECK_SECONDS = 1.0
"""How often the worker looks whether its HTTP process is still there."""
TRIM_CHECK_SECONDS = 1.0
"""How often the worker looks whether its last session has ended."""
TRIM_BUSY_SECONDS = 60.0
"""How often a worker that always has a session live gives its freed memory back."""

peers_key = web.AppKey("peers", Peers)
settings_key = web.AppKey("settings", Settings)
socket_key = web.AppKey("socket", str)
routes = web.RouteTableDef()


@routes.post("/offer")
async def offer(request: web.Request) -> web.Response:
    # The HTTP process validated the offer; this socket is reachable from it alone.
    body = decode(WorkerOffer, await request.read())
    answer = await request.app[peers_key].answer(
        body.check_id, Offer(sdp=body.sdp, kinds=frozenset(body.kinds)), body.browser
    )
    return web.json_response(answer.model_dump(mode="json"))


@routes.get("/checks/{check_id}")
async def check(request: web.Request) -> web.Response:
    connected = await request.app[peers_key].connected(request.match_info["check_id"])
    return web.json_response({"connected": connected})


@routes.post("/checks/{check_id}/close")
async def close(request: web.Request) -> web.Response:
    await request.app[peers_key].close_check(request.match_info["check_id"])
    return web.json_response({})


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"sessions": await request.app[peers_key].live_sessions()})


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors go back to the HTTP process as they are, to be passed on to the browser."""
    try:
        return await handler(request)
    except GreenroomError as exc:
        return web.json_response(exc.body(), status=exc.status, headers=exc.headers())


async def media(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    engine = create_engine(settings.database_url)
    try:
        async with running_peers(
            settings,
            on_result=functools.partial(record_verdict, engine),
            on_abandoned=functools.partial(abandon, engine),
        ) as peers:
            app[peers_key] = peers
            yield
    finally:
        await engine.dispose()


def remove_socket(socket_path: Path) -> None:
    """Nobody else is left to remove an orphan's socket and the pool's folder (the last worker
    out removes the folder)."""
    socket_path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        socket_path.parent.rmdir()


async def orphan_watch(app: web.Application) -> AsyncIterator[None]:
    """Stop, as on SIGTERM, once this worker's parent is gone (it is then someone else's child)."""
    parent = os.getppid()

    async def watch() -> None:
        while True:
            await asyncio.sleep(ORPHAN_CHECK_SECONDS)
            if os.getppid() != parent:
                break
        log.error("media worker: the HTTP process is gone; stopping")
        remove_socket(Path(app[socket_key]))
        os.kill(os.getpid(), signal.SIGTERM)

    task = asyncio.create_task(watch(), name="orphan watch")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def memory_trim(app: web.Application) -> AsyncIterator[None]:
    """Freed memory goes back to the system (`memory.py`) as soon as the last session has
    ended, when nobody can notice the trim's pause (tens of ms on a large heap), and every
    `TRIM_BUSY_SECONDS` while sessions are live."""

    async def trim() -> None:
        last_live, last_trim = 0, time.monotonic()
        while True:
            await asyncio.sleep(TRIM_CHECK_SECONDS)
            live, now = len(app[peers_key]), time.monotonic()
            if (last_live and not live) or (live and now - last_trim >= TRIM_BUSY_SECONDS):
                await asyncio.to_thread(release_free_memory)
                last_trim = now
            last_live = live

    task = asyncio.create_task(trim(), name="memory trim")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main(socket_path: str) -> None:
    settings = Settings.load(os.environ)
    configure_logging(settings.log_level)
    app = web.Application(middlewares=[errors])
    app[settings_key] = settings
    app[socket_key] = socket_path
    app.cleanup_ctx.extend([media, orphan_watch, memory_trim])
    app.router.add_routes(routes)
    web.run_app(app, path=socket_path, print=None, access_log=None)


if __name__ == "__main__":
    main(sys.argv[1])
