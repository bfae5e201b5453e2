"""The scheduler against a real database: a claimed reminder still waiting its turn to be sent
when its lease lapses is left to whoever took it again (with a mailer of the test's own); what one
claim takes is read once for the claim, yet each check's own rules still decide which of its due
reminders goes, and the mails share a few SMTP sessions (with a real SMTP server)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.models.check import Candidate, Check, CheckStatus
from server.notify.scheduler import SENDING_AT_ONCE, Scheduler
from server.notify.smtp import Connection, Mailer, SmtpSettings
from server.store.checks import create_check
from server.store.db import create_engine, migrate
from server.store.orgs import create_org
from server.store.reminders import plan_reminders
from server.store.schema import checks, reminders
from tests.conftest import new_check
from tests.support.smtp import running_smtp

DAY, HOUR = timedelta(hours=24), timedelta(hours=1)


class Recording(Mailer):
    """Keeps the Message-ID of what it is given; with a gate, each send waits for it."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        super().__init__(SmtpSettings("127.0.0.1", 25, "plain"))
        self.gate = gate
        self.started: asyncio.Queue[str] = asyncio.Queue()
        self.sent: list[str] = []

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        yield _Recorded(self)


class _Recorded(Connection):
    def __init__(self, recording: Recording) -> None:
        super().__init__(recording)
        self.recording = recording

    async def send(self, message: EmailMessage) -> None:
        self.recording.started.put_nowait(str(message["Message-ID"]))
        if self.recording.gate is not None:
            await self.recording.gate.wait()
        self.recording.sent.append(str(message["Message-ID"]))


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


async def overdue_checks(engine: AsyncEngine, count: int, now: datetime) -> list[Check]:
    """Interviews 40 minutes ahead whose 24 h and 1 h reminders were planned two days ago
    and are both due now (as after a server was down)."""
    org = await create_org(engine, "Acme", [])
    made = []
    for number in range(count):
        candidate = Candidate(name=f"Candidate {number}", email=f"c{number}@example.com")
        new = new_check(candidate=candidate, starts_at=now + timedelta(minutes=40))
        check = await create_check(engine, org.id, new)
        async with engine.begin() as conn:
            await plan_reminders(conn, check.id, check.starts_at, (DAY, HOUR), now - 2 * DAY)
        made.append(check)
    return made


async def test_one_claim_sends_each_checks_latest_due_reminder_once(engine: AsyncEngine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    made = await overdue_checks(engine, 20, now)
    # Cancelled after its reminders fell due, as if just before the claim: nothing goes to it.
    async with engine.begin() as conn:
        await conn.execute(
            checks.update()
            .where(checks.c.id == made[0].id)
            .values(status=CheckStatus.CANCELLED.value)
        )
    with running_smtp() as smtp:
        settings = Settings(smtp_url=smtp.url, mail_from="Greenroom <reminders@example.com>")
        scheduler = Scheduler(engine, settings, Mailer(SmtpSettings.parse(smtp.url)))
        assert await scheduler.run_once(now) == 40
        assert await scheduler.run_once(now) == 0, "all marked"
    received = smtp.inbox.received
    assert sorted(str(mail["To"]) for mail in received) == sorted(
        f"{check.candidate_name} <{check.candidate_email}>" for check in made[1:]
    )
    assert len(set(smtp.inbox.sessions)) <= SENDING_AT_ONCE, "mails share sessions"
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(
                reminders.c.id,
                reminders.c.check_id,
                reminders.c.offset_minutes,
                reminders.c.state,
                reminders.c.last_error,
            )
        )
        found = {(row.check_id, row.offset_minutes): row for row in rows}
    assert {(found[made[0].id, minutes].state) for minutes in (1440, 60)} == {"skipped"}
    assert found[made[0].id, 60].last_error == "interview_cancelled"
    for check in made[1:]:
        assert found[check.id, 1440].state == "skipped"
        assert found[check.id, 1440].last_error == "later_reminder_due"
        assert found[check.id, 60].state == "sent"
    assert {str(mail["Message-ID"]) for mail in received} == {
        f"<reminder.{found[check.id, 60].id}.0@example.com>" for check in made[1:]
    }
