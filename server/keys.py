"""Every piece of typed application state."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.media.peers import Peers

settings_key = web.AppKey("settings", Settings)
engine_key = web.AppKey("engine", AsyncEngine)
peers_key = web.AppKey("peers", Peers)
fallback_lock_key = web.AppKey("fallback_lock", asyncio.Lock)
