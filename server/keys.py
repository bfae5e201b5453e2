"""Every piece of typed application state."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.media.peers import Peers
from server.media.service import MediaService

settings_key = web.AppKey("settings", Settings)
engine_key = web.AppKey("engine", AsyncEngine)
peers_key = web.AppKey("peers", Peers)
"""This process's sessions; absent when media runs in workers."""
media_key = web.AppKey("media", MediaService)
fallback_lock_key = web.AppKey("fallback_lock", asyncio.Lock)
