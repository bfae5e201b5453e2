"""A media worker process: `python -m server.media.workers.process SOCKET` (started by
`pool.py`). Its own `Peers` behind a Unix socket that only the HTTP process reaches; it stores
its sessions' results itself, through the service layer."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

from server.checks.attempts import abandon, record_verdict
from server.config import Settings
from server.errors import GreenroomError
from server.logs import configure_logging
from server.media.rtc.sdp import Offer
from server.media.session.peers import Peers, running_peers
from server.media.workers.worker import WorkerOffer
from server.models.base import decode
from server.store.db import create_engine

peers_key = web.AppKey("peers", Peers)
settings_key = web.AppKey("settings", Settings)
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


def main(socket_path: str) -> None:
    settings = Settings.load(os.environ)
    configure_logging(settings.log_level)
    app = web.Application(middlewares=[errors])
    app[settings_key] = settings
    app.cleanup_ctx.append(media)
    app.router.add_routes(routes)
    web.run_app(app, path=socket_path, print=None, access_log=None)


if __name__ == "__main__":
    main(sys.argv[1])
