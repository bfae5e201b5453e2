"""Check changes as they land, whichever process or instance stored them, for whoever follows.

One poll of the `check_events` table per process serves every open dashboard in it; each
subscriber gets its organisation's events on a bounded queue. A subscriber too slow to keep up
is told to reload rather than left with a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.events import CheckEvent, events_after, latest_event_id, prune_events

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""The part of the ≤ 1 s goal from a stored verdict to a changed row that the poll may take."""
PRUNE_EVERY_SECONDS = 3600.0
QUEUE_SIZE = 200


@dataclass(eq=False)  # each subscription is itself: hashed by identity
class Subscription:
    org_id: str
    since: int
    """Events up to this id happened before the subscription."""
    queue: asyncio.Queue[CheckEvent | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    overflowed: bool = False

    async def next(self) -> CheckEvent | None:
        """The next event, or None when events were lost and the follower must reload."""
        return await self.queue.get()


class ChangeFeed:
    def __init__(self, engine: AsyncEngine, poll_seconds: float = POLL_SECONDS) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self._subscribers: set[Subscription] = set()
        self._last = 0

    @contextlib.contextmanager
    def subscribe(self, org_id: str) -> Iterator[Subscription]:
        subscription = Subscription(org_id, since=self._last)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    async def run(self) -> None:
        pruned_at = 0.0
        started = failing = False
        loop = asyncio.get_running_loop()
        while True:
            try:
                if not started:
                    self._last = await latest_event_id(self.engine)
                    started = True
                elif self._subscribers:
                    self._publish(await events_after(self.engine, self._last))
                else:
                    # Nobody follows: skip ahead, so the first follower starts from now.
                    self._last = await latest_event_id(self.engine)
                if loop.time() - pruned_at > PRUNE_EVERY_SECONDS:
                    await prune_events(self.engine, datetime.now(UTC))
                    pruned_at = loop.time()
                failing = False
            except Exception:
                # Once per outage, not four times a second.
                if not failing:
                    log.exception("reading check changes failed; trying again")
                failing = True
            await asyncio.sleep(self.poll_seconds)

    def _publish(self, events: list[CheckEvent]) -> None:
        for event in events:
            self._last = max(self._last, event.id)
            for subscription in self._subscribers:
                if subscription.org_id != event.org_id or subscription.overflowed:
                    continue
                if subscription.queue.qsize() >= QUEUE_SIZE - 1:
                    subscription.overflowed = True
                    subscription.queue.put_nowait(None)
                else:
                    subscription.queue.put_nowait(event)


@contextlib.asynccontextmanager
async def running_feed(engine: AsyncEngine) -> AsyncIterator[ChangeFeed]:
    feed = ChangeFeed(engine)
    task = asyncio.create_task(feed.run(), name="change-feed")
    try:
        yield feed
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
