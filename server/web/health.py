"""`GET /healthz`: 200 while this process can serve, for load balancers and supervisors."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from server.errors import GreenroomError
from server.keys import engine_key, media_key

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    """The database answers, and so does every media worker."""
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
