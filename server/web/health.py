"""`GET /healthz`: 200 while this process can serve, for load balancers and supervisors."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.errors import GreenroomError
from server.keys import engine_key, media_key
from server.media.service import MediaService

log = logging.getLogger(__name__)

ANSWER_SECONDS = 2.0
"""How long the database and the media side each have to answer; asked together, so the
health check itself answers within this."""


async def healthz(request: web.Request) -> web.Response:
    """The database answers, and so does every media worker."""
    database, sessions = await asyncio.gather(
        _database_answers(request.app[engine_key]), _live_sessions(request.app[media_key])
    )
    if not database or sessions is None:
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok", "sessions": sessions})


async def _database_answers(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(ANSWER_SECONDS), engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except (OSError, TimeoutError, SQLAlchemyError):
        log.warning("health check: the database does not answer")
        return False
    return True


async def _live_sessions(media: MediaService) -> int | None:
    try:
        async with asyncio.timeout(ANSWER_SECONDS):
            return await media.live_sessions()
    except (OSError, TimeoutError, aiohttp.ClientError, GreenroomError):
        log.warning("health check: a media worker does not answer")
        return None
