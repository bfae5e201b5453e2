"""Reminder rows on SQLite and PostgreSQL: planned by the rule, claimed once under a lease, taken
again when a claim lapses, never by two schedulers at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.checks import create_check
from server.store.db import create_engine, migrate
from server.store.orgs import create_org
from server.store.reminders import claim_due, mark_failed, mark_sent, plan_reminders
from server.store.schema import reminders
from tests.conftest import new_check

DAY, HOUR = timedelta(hours=24), timedelta(hours=1)
LEASE = timedelta(minutes=2)


@pytest.fixture
async def engine(any_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database of each kind."""
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


async def a_check(engine: AsyncEngine, starts_at: datetime) -> str:
    org = await create_org(engine, "Acme", [])
    return (await create_check(engine, org.id, new_check(starts_at=starts_at))).id


async def planned(engine: AsyncEngine, check_id: str, starts_at: datetime, now: datetime) -> None:
    async with engine.begin() as conn:
        await plan_reminders(conn, check_id, starts_at, (DAY, HOUR), now)


async def states(engine: AsyncEngine) -> dict[int, tuple[str, datetime | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(reminders.c.offset_minutes, reminders.c.state, reminders.c.due_at)
        )
        return {minutes: (state, due) for minutes, state, due in rows}


async def test_planned_claimed_once_and_again_after_a_lapsed_lease(engine: AsyncEngine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + timedelta(hours=5)
    check_id = await a_check(engine, starts)
    await planned(engine, check_id, starts, now)
    assert await states(engine) == {1440: ("pending", now), 60: ("pending", starts - HOUR)}

    [first] = await claim_due(engine, now, LEASE, limit=10)
    assert (first.offset_minutes, first.tries) == (1440, 1)
    assert await claim_due(engine, now + timedelta(minutes=1), LEASE, limit=10) == []
    # The scheduler died holding it: once the lease lapses it is taken again.
    [again] = await claim_due(engine, now + LEASE + timedelta(seconds=1), LEASE, limit=10)
    assert (again.id, again.tries) == (first.id, 2)
    assert not await mark_sent(engine, first, now + LEASE), "a lapsed claim marks nothing"
    assert await mark_sent(engine, again, now + LEASE)
    assert await claim_due(engine, now + timedelta(hours=1), LEASE, limit=10) == []

    [hour] = await claim_due(engine, starts - HOUR, LEASE, limit=10)
    await mark_failed(engine, hour, "451 try later", retry_at=starts - timedelta(minutes=50))
    assert await claim_due(engine, starts - timedelta(minutes=55), LEASE, limit=10) == []
    [retried] = await claim_due(engine, starts - timedelta(minutes=50), LEASE, limit=10)
    await mark_failed(engine, retried, "550 no such user", retry_at=None)
    assert (await states(engine))[60][0] == "failed"
    assert await claim_due(engine, starts, LEASE, limit=10) == []


async def test_a_moved_interview_is_planned_again(engine: AsyncEngine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + timedelta(days=3)
    check_id = await a_check(engine, starts)
    await planned(engine, check_id, starts, now)
    moved = now + timedelta(minutes=30)
    await planned(engine, check_id, moved, now)
    assert await states(engine) == {1440: ("skipped", None), 60: ("pending", now)}


async def test_two_schedulers_never_take_the_same_reminder(any_database_url: str) -> None:
    first_engine = create_engine(any_database_url)
    second_engine = create_engine(any_database_url)
    try:
        await migrate(first_engine)
        now = datetime.now(UTC).replace(microsecond=0)
        org = await create_org(first_engine, "Acme", [])
        made = [
            await create_check(
                first_engine, org.id, new_check(starts_at=now + timedelta(minutes=30))
            )
            for _ in range(60)
        ]
        async with first_engine.begin() as conn:
            for check in made:
                await plan_reminders(conn, check.id, check.starts_at, (DAY, HOUR), now)
        taken: list[set[str]] = [set(), set()]

        async def drain(engine: AsyncEngine, into: set[str]) -> None:
            while claimed := await claim_due(engine, now, LEASE, limit=7):
                into.update(reminder.id for reminder in claimed)
                await asyncio.sleep(0)

        await asyncio.gather(drain(first_engine, taken[0]), drain(second_engine, taken[1]))
        assert not taken[0] & taken[1], "no reminder claimed twice"
        assert len(taken[0] | taken[1]) == 60, "each check's latest passed reminder, once"
    finally:
        await first_engine.dispose()
        await second_engine.dispose()
