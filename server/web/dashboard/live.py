"""`GET /dashboard/events`: server-sent events that change a row when its check changes.

Each event carries the row as the board renders it, so the page swaps it in without knowing
how a row is drawn. Event ids are the feed's: a browser that reconnects with `Last-Event-ID`
gets what it missed, or one `reload` event when that is too much to replay.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from server.checks.feed import Subscription
from server.errors import NotFound
from server.keys import checks_key, engine_key, feed_key, live_streams_key
from server.models.org import Organisation
from server.store.events import events_after
from server.web.dashboard.i18n import Translator
from server.web.dashboard.pages import signed_in_org
from server.web.dashboard.render import locale_of, render_fragment

routes = web.RouteTableDef()
REPLAY_LIMIT = 200


def last_event_id(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID", "")
    return int(text) if text.isdigit() and len(text) < 19 else None


def setup(dashboard: web.Application) -> None:
    """Open streams are ended when the server stops: a stream never ends by itself, and
    aiohttp would wait out its shutdown timeout for each one. Browsers reconnect and resume."""
    dashboard[live_streams_key] = set()

    async def end_streams(app: web.Application) -> None:
        streams = app[live_streams_key]
        for stream in tuple(streams):
            stream.stop_streaming()

    dashboard.on_shutdown.append(end_streams)


@routes.get("/events")
async def events(request: web.Request) -> web.StreamResponse:
    _, org = await signed_in_org(request)
    feed = request.config_dict[feed_key]
    resume = last_event_id(request)
    streams = request.app[live_streams_key]
    with feed.subscribe(org.id) as subscription:
        async with sse_response(request, headers={"Cache-Control": "no-store"}) as stream:
            streams.add(stream)
            relaying = asyncio.create_task(relay(request, org, subscription, stream, resume))
            # `wait` returns once a ping finds the browser gone, or the server stops streaming;
            # without it a closed tab's handler would wait for its organisation's next change.
            ended = asyncio.create_task(stream.wait())
            try:
                await asyncio.wait({relaying, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                streams.discard(stream)
                for task in (relaying, ended):
                    task.cancel()
                await asyncio.gather(relaying, ended, return_exceptions=True)
            if relaying.done() and not relaying.cancelled():
                error = relaying.exception()
                if error is not None and not isinstance(error, ConnectionResetError):
                    raise error  # a browser that left is no error; anything else is
    return stream


async def relay(
    request: web.Request,
    org: Organisation,
    subscription: Subscription,
    stream: EventSourceResponse,
    resume: int | None,
) -> None:
    """Sends the missed events, then each new one, until a `reload` is the only answer."""
    checks = request.config_dict[checks_key]
    sent = subscription.since
    if resume is not None:
        missed = await events_after(
            request.config_dict[engine_key], resume, org_id=org.id, limit=REPLAY_LIMIT + 1
        )
        if len(missed) > REPLAY_LIMIT:
            await stream.send("{}", event="reload")
            return
        pending = list(missed)
        sent = resume
    else:
        pending = []
    await stream.send("{}", event="hello", id=str(max(sent, resume or 0)))
    while True:
        event = pending.pop(0) if pending else await subscription.next()
        if event is None:
            await stream.send("{}", event="reload")
            return
        if event.id <= sent:
            continue
        sent = event.id
        try:
            row = await checks.board_row(org, event.check_id)
        except NotFound:  # erased since
            continue
        now = datetime.now(UTC)
        html = render_fragment(request, "dashboard/row.html", {"row": row, "now": now})
        t = Translator(locale_of(request))
        announce = t(
            "live.announce",
            name=row.check.candidate_name,
            status=t(f"status.{row.check.status.value}"),
        )
        await stream.send(
            json.dumps(
                {
                    "check_id": row.check.id,
                    "status": row.check.status.value,
                    "row": html,
                    "announce": announce,
                }
            ),
            event="check",
            id=str(event.id),
        )
