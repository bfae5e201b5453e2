"""The application factory: the one place where settings, resources and routes are wired."""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from server.accounts.service import AccountService
from server.checks.attempts import abandon, record_verdict, settle_stale
from server.checks.feed import running_feed
from server.checks.service import CheckService
from server.config import Settings
from server.keys import (
    accounts_key,
    checks_key,
    engine_key,
    feed_key,
    media_key,
    peers_key,
    settings_key,
    webhooks_key,
)
from server.media.session.peers import running_peers
from server.media.workers.pool import running_pool
from server.notify.scheduler import running_scheduler
from server.store.db import create_engine
from server.web.api import api_app
from server.web.candidate import STATIC_DIR, WIDGET_DIR, candidate_app
from server.web.dashboard import add_recruiter_pages
from server.web.embed import add_embed_script
from server.web.errors import json_errors, security_headers
from server.web.health import healthz
from server.webhooks.deliverer import running_deliverer
from server.webhooks.service import WebhookService

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
"""aiohttp's own cap on any body; each route's model has a smaller one."""


async def database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[settings_key].database_url)
    app[engine_key] = engine
    yield
    await engine.dispose()


async def stale_checks(app: web.Application) -> AsyncIterator[None]:
    """Checks a crashed server left in progress are settled before this one takes sessions. A
    database that does not answer yet does not keep the server from starting (`/healthz` says
    so); the sweep is then left to the next start."""
    try:
        await settle_stale(app[engine_key], app[settings_key].session_seconds)
    except (OSError, SQLAlchemyError):
        log.warning("could not settle checks left in progress: the database does not answer")
    yield


async def media(app: web.Application) -> AsyncIterator[None]:
    """Media sessions in this process; they store their verdicts through the service layer."""
    engine = app[engine_key]
    async with running_peers(
        app[settings_key],
        on_result=functools.partial(record_verdict, engine),
        on_abandoned=functools.partial(abandon, engine),
    ) as peers:
        app[peers_key] = peers
        app[media_key] = peers
        yield


async def media_workers(app: web.Application) -> AsyncIterator[None]:
    """Media in worker processes, one per `GREENROOM_MEDIA_WORKERS`; this process serves HTTP."""
    settings = app[settings_key]
    async with running_pool(
        settings, settings.media_workers, on_abandoned=functools.partial(abandon, app[engine_key])
    ) as pool:
        app[media_key] = pool
        yield


async def services(app: web.Application) -> AsyncIterator[None]:
    app[checks_key] = CheckService(app[engine_key], app[media_key], app[settings_key])
    app[accounts_key] = AccountService(app[engine_key])
    app[webhooks_key] = WebhookService(app[engine_key], app[settings_key])
    engine, settings = app[engine_key], app[settings_key]
    async with (
        running_feed(engine) as feed,
        running_scheduler(engine, settings),
        running_deliverer(engine, settings),
    ):
        app[feed_key] = feed
        yield


async def long_lived(app: web.Application) -> AsyncIterator[None]:
    """What start-up made (modules, models' schemas, templates, pools) lives as long as the
    process: kept out of the collector's full passes, each of which would walk all of it again
    every few requests that build large pages (60-110 ms a pass here, `greenroom bench api`)."""
    gc.freeze()
    yield
    gc.unfreeze()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, json_errors], client_max_size=MAX_BODY_BYTES
    )
    app[settings_key] = settings
    # Order matters: media sessions store results, so they close before the database does.
    app.cleanup_ctx.extend(
        [
            database,
            stale_checks,
            media_workers if settings.media_workers else media,
            services,
            long_lived,
        ]
    )
    app.router.add_get("/healthz", healthz)
    add_embed_script(app)
    app.add_subapp("/api/v1", api_app())
    app.add_subapp("/c", candidate_app())
    add_recruiter_pages(app, settings)
    app.router.add_static("/widget", WIDGET_DIR, append_version=False)
    app.router.add_static("/static", STATIC_DIR, append_version=False)
    return app
