"""Every piece of typed application state. Sub-applications read it through
`request.config_dict`, which sees the root application's state."""

from __future__ import annotations

from aiohttp import web
from aiohttp_sse import EventSourceResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from server.accounts.service import AccountService
from server.checks.feed import ChangeFeed
from server.checks.service import CheckService
from server.config import Settings
from server.media.service import MediaService
from server.media.session.peers import Peers
from server.webhooks.service import WebhookService

settings_key = web.AppKey("settings", Settings)
engine_key = web.AppKey("engine", AsyncEngine)
media_key = web.AppKey("media", MediaService)
"""Media sessions, in this process or in media workers."""
peers_key = web.AppKey("peers", Peers)
"""This process's sessions; absent when media runs in workers."""
checks_key = web.AppKey("checks", CheckService)
"""The service layer."""
webhooks_key = web.AppKey("webhooks", WebhookService)
"""Vendors' webhook endpoints."""
accounts_key = web.AppKey("accounts", AccountService)
"""Recruiters' accounts and sessions."""
feed_key = web.AppKey("feed", ChangeFeed)
"""Check changes as they land, for open dashboards."""
live_streams_key = web.AppKey("live_streams", set[EventSourceResponse])
"""The dashboard's open event streams, ended when the server stops."""
