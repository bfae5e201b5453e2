"""The application factory: the one place where settings, resources and routes are wired."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from server.config import SPEAKERS_SECONDS, VERDICT_GRACE_SECONDS, Settings
from server.errors import GreenroomError
from server.keys import engine_key, fallback_lock_key, media_key, peers_key, settings_key
from server.media.ice import restrict_host_addresses
from server.media.peers import Peers
from server.media.session import SessionLimits
from server.media.workers import running_pool
from server.store.attempts import record_attempt, settle_status
from server.store.db import create_engine
from server.web import api, candidate
from server.web.middleware import errors, security_headers

log = logging.getLogger(__name__)

CONNECT_SECONDS = 20.0


async def database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[settings_key].database_url)
    app[engine_key] = engine
    yield
    await engine.dispose()


async def media(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    engine = app[engine_key]
    restrict_host_addresses(settings.ice_addresses)

    async def store(result: dict[str, object]) -> None:
        await record_attempt(engine, result)

    async def settle(check_id: str) -> None:
        await settle_status(engine, check_id)

    peers = Peers(
        max_sessions=settings.max_sessions,
        limits=SessionLimits(
            measure_seconds=settings.measure_seconds,
            verdict_deadline=settings.measure_seconds + VERDICT_GRACE_SECONDS,
            connect_seconds=CONNECT_SECONDS,
            session_seconds=settings.session_seconds,
            speakers_seconds=SPEAKERS_SECONDS,
            reencode=settings.loopback == "reencode",
        ),
        ice_servers=[],
        on_result=store,
        on_abandoned=settle,
    )
    app[peers_key] = peers
    app[media_key] = peers
    yield
    await peers.close_all()


async def media_workers(app: web.Application) -> AsyncIterator[None]:
    """Media in worker processes, one per `GREENROOM_MEDIA_WORKERS`; this process serves HTTP."""
    settings = app[settings_key]
    async with running_pool(settings, settings.media_workers) as pool:
        app[media_key] = pool
        yield


async def healthz(request: web.Request) -> web.Response:
    """200 while this process can serve: its database answers."""
    try:
        async with asyncio.timeout(2), request.app[engine_key].connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except (OSError, TimeoutError, SQLAlchemyError):
        log.warning("health check: the database does not answer")
        return web.json_response({"status": "unavailable"}, status=503)
    try:
        sessions = await request.app[media_key].live_sessions()
    except (OSError, aiohttp.ClientError, GreenroomError):
        log.warning("health check: a media worker does not answer")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok", "sessions": sessions})


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[security_headers, errors], client_max_size=256 * 1024)
    app[settings_key] = settings
    app[fallback_lock_key] = asyncio.Lock()
    # Order matters: media sessions store results, so they close before the database does.
    app.cleanup_ctx.extend([database, media_workers if settings.media_workers else media])
    app.router.add_get("/healthz", healthz)
    app.router.add_routes(api.routes)
    app.router.add_routes(candidate.routes)
    app.router.add_static("/widget", candidate.WIDGET_DIR, append_version=False)
    app.router.add_static("/static", candidate.STATIC_DIR, append_version=False)
    return app
