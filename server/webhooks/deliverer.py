"""The webhook deliverer: in each server process, it takes due deliveries under a lease, posts
them signed to their endpoints and marks them, so that each event reaches each endpoint at least
once, with the same `webhook-id` on every try (receivers de-duplicate on it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import WEBHOOK_TRY_SECONDS, Settings
from server.store import leases
from server.store import webhooks as store
from server.store.schema import webhook_deliveries
from server.webhooks import signing
from server.webhooks.addresses import PublicResolver, RefusedAddress, refused_literal
from server.webhooks.schedule import next_try

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How often due deliveries are looked for: most of the time from a verdict to its webhook."""
BATCH = 32
SENDING_AT_ONCE = 8
TIMEOUT = aiohttp.ClientTimeout(total=WEBHOOK_TRY_SECONDS)


class Deliverer:
    def __init__(self, engine: AsyncEngine, settings: Settings, http: aiohttp.ClientSession):
        self.engine = engine
        self.allow_private = settings.webhook_allow_private
        # Taken again for each delivery as its turn comes, so it outlasts the try's timeout.
        self.lease = timedelta(seconds=settings.webhook_lease_seconds)
        self.http = http
        self._sending = asyncio.Semaphore(SENDING_AT_ONCE)

    async def run(self) -> None:
        failing = False
        while True:
            try:
                taken = await self.run_once(datetime.now(UTC))
                failing = False
            except Exception:
                if not failing:  # once per outage
                    log.exception("delivering webhooks failed; trying again")
                failing, taken = True, 0
            if taken < BATCH:
                await asyncio.sleep(POLL_SECONDS)

    async def run_once(self, now: datetime) -> int:
        due = await store.claim_deliveries(self.engine, now, self.lease, BATCH)
        # One that fails stops the others: none is left running into the next round, and the
        # leases of those stopped lapse, so they are tried again.
        async with asyncio.TaskGroup() as group:
            for delivery in due:
                group.create_task(self._deliver(delivery))
        return len(due)

    async def _deliver(self, delivery: store.Delivery) -> None:
        async with self._sending:
            now = datetime.now(UTC)
            held = await leases.renew(
                self.engine, webhook_deliveries, delivery.held, now + self.lease
            )
            if held is None:
                return  # its lease lapsed while it waited, and it is someone else's now
            status, retry_after, error = await self._post(delivery)
            done = datetime.now(UTC)
            if status is not None and 200 <= status < 300:
                await store.delivered(self.engine, held, status, done)
            elif status == 410:
                log.info("webhook endpoint answered 410 Gone; it is disabled")
                await store.disable_endpoint_of(self.engine, held, status, done)
            else:
                again = next_try(delivery.tries, done, retry_after)
                await store.not_delivered(self.engine, held, status, error, again)

    async def _post(self, delivery: store.Delivery) -> tuple[int | None, str | None, str]:
        """The receiver's status and `Retry-After`, or None and why nothing was answered."""
        host = urlsplit(delivery.url).hostname or ""
        if refused_literal(host, allow_private=self.allow_private):
            return None, None, "refused: the endpoint is not a public address"
        headers = signing.headers(
            delivery.secret, delivery.held.id, int(time.time()), delivery.body
        )
        try:
            async with self.http.post(
                delivery.url,
                data=delivery.body.encode(),
                headers=headers,
                allow_redirects=False,  # a redirect could lead anywhere, our own network too
                timeout=TIMEOUT,
            ) as response:
                return (
                    response.status,
                    response.headers.get("Retry-After"),
                    f"HTTP {response.status}",
                )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            if _caused_by_refusal(exc):
                return None, None, "refused: the endpoint resolves to a non-public address"
            return None, None, f"{type(exc).__name__}: {exc}"[:300]


def _caused_by_refusal(exc: BaseException) -> bool:
    # aiohttp wraps what its resolver raises in its own connection error.
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RefusedAddress):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.asynccontextmanager
async def running_deliverer(engine: AsyncEngine, settings: Settings) -> AsyncIterator[None]:
    connector = aiohttp.TCPConnector(
        resolver=PublicResolver(allow_private=settings.webhook_allow_private),
        limit=SENDING_AT_ONCE,
    )
    async with aiohttp.ClientSession(
        connector=connector, headers={"User-Agent": "Greenroom-Webhooks/1"}
    ) as http:
        task = asyncio.create_task(Deliverer(engine, settings, http).run(), name="webhooks")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
