"""The scheduler against a real database with a mailer of the test's own: a claimed reminder
still waiting its turn to be sent when its lease lapses is left to whoever took it again."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.notify.scheduler import SENDING_AT_ONCE, Scheduler
from server.notify.smtp import Mailer, SmtpSettings
from server.store.checks import create_check
from server.store.db import create_engine, migrate
from server.store.orgs import create_org
from server.store.reminders import plan_reminders
from server.store.schema import reminders
from tests.conftest import new_check

HOUR = timedelta(hours=1)


class Recording(Mailer):
    """Keeps the Message-ID of what it is given; with a gate, each send waits for it."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        super().__init__(SmtpSettings("127.0.0.1", 25, "plain"))
        self.gate = gate
        self.started: asyncio.Queue[str] = asyncio.Queue()
        self.sent: list[str] = []

    async def send(self, message: EmailMessage) -> None:
        self.started.put_nowait(str(message["Message-ID"]))
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(str(message["Message-ID"]))


@pytest.fixture
async def engine(any_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


async def test_a_claim_that_lapsed_before_its_turn_is_not_sent_too(
    engine: AsyncEngine, any_database_url: str
) -> None:
    now = datetime.now(UTC)
    org = await create_org(engine, "Acme", [])
    for _ in range(SENDING_AT_ONCE + 1):
        check = await create_check(engine, org.id, new_check(starts_at=now + HOUR / 2))
        async with engine.begin() as conn:  # made ten minutes ago: its 1 h reminder due then
            await plan_reminders(conn, check.id, check.starts_at, (HOUR,), now - HOUR / 6)
    settings = Settings(
        database_url=any_database_url,
        smtp_url="smtp://127.0.0.1:25",
        mail_from="Greenroom <reminders@example.com>",
        reminder_lease_seconds=5,
    )
    gate = asyncio.Event()
    slow, other = Recording(gate), Recording()
    first, second = Scheduler(engine, settings, slow), Scheduler(engine, settings, other)

    # The first took them all one lease ago; as many as it sends at once are on their way, the
    # last one still waits its turn. Its claim lapses, and the second scheduler takes it.
    batch = asyncio.create_task(first.run_once(now - first.lease))
    async with asyncio.timeout(10):
        for _ in range(SENDING_AT_ONCE):
            await slow.started.get()
    assert await second.run_once(datetime.now(UTC) + timedelta(seconds=1)) == 1
    gate.set()
    assert await batch == SENDING_AT_ONCE + 1

    sent = Counter(slow.sent + other.sent)
    assert len(sent) == SENDING_AT_ONCE + 1
    assert set(sent.values()) == {1}, "sent by both"
    assert len(other.sent) == 1
    async with engine.connect() as conn:
        states = (await conn.execute(sa.select(reminders.c.state))).scalars().all()
    assert Counter(states) == {"sent": SENDING_AT_ONCE + 1}
