"""The scheduler over a real database and SMTP server: what one claim takes is read once for
the claim, yet every check's own rules still decide which of its due reminders goes, and the
mails share a few SMTP sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.models.check import Candidate, Check, CheckStatus
from server.notify.scheduler import SENDING_AT_ONCE, Scheduler
from server.notify.smtp import Mailer, SmtpSettings
from server.store.checks import create_check
from server.store.db import create_engine, migrate
from server.store.orgs import create_org
from server.store.reminders import plan_reminders
from server.store.schema import checks, reminders
from tests.conftest import new_check
from tests.support.smtp import running_smtp

DAY, HOUR = timedelta(hours=24), timedelta(hours=1)


@pytest.fixture
async def engine(any_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database of each kind."""
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


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
    assert found[made[0].id, 60].last_error == "the interview was cancelled"
    for check in made[1:]:
        assert found[check.id, 1440].state == "skipped"
        assert found[check.id, 1440].last_error == "a later reminder was due as well"
        assert found[check.id, 60].state == "sent"
    assert {str(mail["Message-ID"]) for mail in received} == {
        f"<reminder.{found[check.id, 60].id}.0@example.com>" for check in made[1:]
    }
