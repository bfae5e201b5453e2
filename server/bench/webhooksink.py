"""A vendor's webhook endpoint in the benchmark's own process: an aiohttp server on a port of
127.0.0.1 that answers 200 to every delivery, verifies its signature as a vendor would (with
the `standardwebhooks` package when it is installed, else `server/webhooks/signing.py`) and
keeps when each arrived and what it said."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from server.webhooks import signing

PATH = "/hooks"
TOLERANCE_SECONDS = 300
"""As `standardwebhooks` allows: a delivery signed longer ago (or ahead) is refused."""


def verified(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the delivery is signed with `secret`, as a vendor would check it."""
    try:
        from standardwebhooks import Webhook, WebhookVerificationError
    except ImportError:  # it is a test dependency, not the server's
        return _verified_here(secret, body, headers)
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    try:
        Webhook(secret).verify(body, {name: headers.get(name, "") for name in wanted})
    except WebhookVerificationError:
        return False
    return True


def _verified_here(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    try:
        timestamp = int(headers.get("webhook-timestamp", ""))
        text = body.decode()
    except (ValueError, UnicodeDecodeError):
        return False
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signing.signature(secret, headers.get("webhook-id", ""), timestamp, text)
    given = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, signature) for signature in given)


@dataclass(frozen=True)
class Arrival:
    webhook_id: str
    event: dict[str, Any]
    verified: bool
    at: float
    """time.time() when its body had been read: the same clock as the event's timestamp,
    which the server wrote on this machine."""

    @property
    def check_id(self) -> str | None:
        data = self.event.get("data")
        return data.get("check_id") if isinstance(data, dict) else None


@dataclass
class WebhookSink:
    url: str = ""
    secret: str = ""
    """The endpoint's secret, once the webhook is made: deliveries are verified with it."""
    arrivals: list[Arrival] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        at = time.time()
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        arrival = Arrival(
            webhook_id=request.headers.get("webhook-id", ""),
            event=event if isinstance(event, dict) else {},
            verified=verified(self.secret, body, request.headers),
            at=at,
        )
        async with self._arrived:
            self.arrivals.append(arrival)
            self._arrived.notify_all()
        return web.Response(status=200)

    async def first_for(self, check_id: str, within: float) -> Arrival:
        """The first delivery about the check, waiting up to `within` seconds for it."""
        async with asyncio.timeout(within), self._arrived:
            while True:
                for arrival in self.arrivals:
                    if arrival.check_id == check_id:
                        return arrival
                await self._arrived.wait()


@contextlib.asynccontextmanager
async def running_webhook_sink() -> AsyncIterator[WebhookSink]:
    sink = WebhookSink()
    app = web.Application()
    app.router.add_post(PATH, sink.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        sink.url = f"http://127.0.0.1:{port}{PATH}"
        yield sink
    finally:
        await runner.cleanup()
