"""Reminder rows: planned with the check, claimed with a lease, marked when sent.

A claim is one statement that takes due rows whose lease is free and sets a new lease: on
PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two instances never take the same row; on SQLite
the single writer does the same. A scheduler that dies holding a claim loses it when the lease
lapses, and the row is taken again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from server.ids import new_id
from server.notify.plan import due_times
from server.store.schema import reminders

MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Claimed:
    id: str
    check_id: str
    kind: str
    offset_minutes: int
    due_at: datetime
    tries: int


async def plan_reminders(
    conn: Any, check_id: str, starts_at: datetime, offsets: tuple[timedelta, ...], now: datetime
) -> None:
    """Every reminder of the check due (again) by the rule in `notify.plan`, in the caller's
    transaction: a new or moved interview is planned as a whole."""
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for due in due_times(starts_at, offsets, now):
        state = "skipped" if due.at is None else "pending"
        values = {
            "state": state,
            "due_at": due.at,
            "lease_until": None,
            "tries": 0,
            "last_error": None,
        }
        statement = upsert(reminders).values(
            id=new_id(),
            check_id=check_id,
            kind="reminder",
            offset_minutes=int(due.offset.total_seconds() // 60),
            **values,
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["check_id", "kind", "offset_minutes"], set_=values
            )
        )


async def claim_due(
    engine: AsyncEngine, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    due = (
        sa.select(reminders.c.id)
        .where(
            reminders.c.state == "pending",
            reminders.c.due_at <= now,
            sa.or_(reminders.c.lease_until.is_(None), reminders.c.lease_until < now),
        )
        .order_by(reminders.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        reminders.update()
        .where(reminders.c.id.in_(due.scalar_subquery()))
        .values(lease_until=now + lease, tries=reminders.c.tries + 1)
        .returning(
            reminders.c.id,
            reminders.c.check_id,
            reminders.c.kind,
            reminders.c.offset_minutes,
            reminders.c.due_at,
            reminders.c.tries,
        )
    )
    async with engine.begin() as conn:
        rows = (await conn.execute(claim)).all()
    return sorted((Claimed(*row) for row in rows), key=lambda claimed: claimed.due_at)


async def mark_sent(engine: AsyncEngine, reminder_id: str, at: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            reminders.update()
            .where(reminders.c.id == reminder_id)
            .values(state="sent", sent_at=at, lease_until=None, last_error=None)
        )


async def mark_failed(
    engine: AsyncEngine, reminder_id: str, error: str, *, retry_at: datetime | None
) -> None:
    """A temporary failure is due again at `retry_at`; a permanent one (None) stops there."""
    values: dict[str, Any] = {"last_error": error[:MAX_ERROR_CHARS], "lease_until": None}
    if retry_at is None:
        values["state"] = "failed"
    else:
        values["due_at"] = retry_at
    async with engine.begin() as conn:
        await conn.execute(reminders.update().where(reminders.c.id == reminder_id).values(values))
