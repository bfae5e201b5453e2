"""`GET /dashboard/events`: server-sent events that change a row when its check changes.

Each event carries the row as the board renders it, so the page swaps it in without knowing
how a row is drawn. Event ids are the feed's: a browser that reconnects with `Last-Event-ID`
gets what it missed, or one `reload` event when that is too much to replay.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp import web
from aiohttp_sse import sse_response

from server.errors import NotFound
from server.keys import checks_key, engine_key, feed_key
from server.store.events import events_after
from server.web.dashboard.i18n import Translator
from server.web.dashboard.pages import signed_in_org
from server.web.dashboard.render import locale_of, render_fragment

routes = web.RouteTableDef()
REPLAY_LIMIT = 200


def last_event_id(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID", "")
    return int(text) if text.isdigit() and len(text) < 19 else None


@routes.get("/events")
async def events(request: web.Request) -> web.StreamResponse:
    _, org = await signed_in_org(request)
    feed = request.config_dict[feed_key]
    checks = request.config_dict[checks_key]
    resume = last_event_id(request)
    with feed.subscribe(org.id) as subscription:
        async with sse_response(request, headers={"Cache-Control": "no-store"}) as stream:
            sent = subscription.since
            if resume is not None:
                missed = await events_after(
                    request.config_dict[engine_key], resume, org_id=org.id, limit=REPLAY_LIMIT + 1
                )
                if len(missed) > REPLAY_LIMIT:
                    await stream.send("{}", event="reload")
                    return stream
                pending = list(missed)
                sent = resume
            else:
                pending = []
            await stream.send("{}", event="hello", id=str(max(sent, resume or 0)))
            while True:
                event = pending.pop(0) if pending else await subscription.next()
                if event is None:
                    await stream.send("{}", event="reload")
                    return stream
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
    return stream
