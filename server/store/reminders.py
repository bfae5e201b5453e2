"""Reminder rows: planned with the check, claimed with a lease, marked when sent.

Claims, renewals and marks are those of `store.leases`, shared with webhook deliveries: two
instances never take the same row, and a scheduler that dies holding a claim loses it when the
lease lapses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from server.ids import new_id
from server.models.reminder import ReminderView
from server.notify.plan import due_times
from server.store import leases
from server.store.schema import reminders

MAX_ERROR_CHARS = 500
VIEW_COLUMNS = [
    reminders.c[name]
    for name in ("kind", "offset_minutes", "state", "due_at", "sent_at", "tries", "last_error")
]
"""What the API and the dashboard show of a reminder."""


@dataclass(frozen=True)
class Claimed:
    id: str
    check_id: str
    kind: str
    offset_minutes: int
    due_at: datetime
    tries: int
    lease_until: datetime
    """The claim itself: marks succeed only while the row still carries it, so a row planned
    again meanwhile (the interview moved) is not marked with the old mail."""


async def plan_reminders(
    conn: Any, check_id: str, starts_at: datetime, offsets: tuple[timedelta, ...], now: datetime
) -> None:
    """Every reminder of the check due (again) by the rule in `notify.plan`, in the caller's
    transaction: a new or moved interview is planned as a whole, and a pending reminder for a
    lead time no longer in `offsets` is skipped."""
    minutes = [int(offset.total_seconds() // 60) for offset in offsets]
    await conn.execute(
        reminders.update()
        .where(
            reminders.c.check_id == check_id,
            reminders.c.kind == "reminder",
            reminders.c.state == "pending",
            reminders.c.offset_minutes.not_in(minutes),
        )
        .values(state="skipped", lease_until=None, last_error="offset_removed")
    )
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for due in due_times(starts_at, offsets, now):
        values = {
            "state": "pending" if due.at else "skipped",
            "due_at": due.at,
            "lease_until": None,
            "tries": 0,
            "last_error": None if due.at else "window_passed",
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


async def cancel_reminders(conn: Any, check_id: str, now: datetime, *, notify: bool) -> None:
    """In the caller's transaction: pending reminders are dropped and, with `notify`, one
    cancellation is due now (a check is cancelled once)."""
    await conn.execute(
        reminders.update()
        .where(reminders.c.check_id == check_id, reminders.c.state == "pending")
        .values(state="skipped", lease_until=None, last_error="interview_cancelled")
    )
    if notify:
        await conn.execute(
            reminders.insert().values(
                id=new_id(),
                check_id=check_id,
                kind="cancellation",
                offset_minutes=0,
                state="pending",
                due_at=now,
                tries=0,
            )
        )


async def reminders_of(engine: AsyncEngine, check_id: str) -> list[ReminderView]:
    """The check's reminders, the earliest first, then its cancellation."""
    query = (
        sa.select(*VIEW_COLUMNS)
        .where(reminders.c.check_id == check_id)
        .order_by(reminders.c.kind.desc(), reminders.c.offset_minutes.desc())
    )
    async with engine.connect() as conn:
        return [_view(dict(row)) for row in (await conn.execute(query)).mappings()]


async def claim_due(
    engine: AsyncEngine, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    rows = await leases.claim(
        engine,
        reminders,
        now,
        lease,
        limit,
        [reminders.c.check_id, reminders.c.kind, reminders.c.offset_minutes],
    )
    return [
        Claimed(
            id=row["id"],
            check_id=row["check_id"],
            kind=row["kind"],
            offset_minutes=row["offset_minutes"],
            due_at=row["due_at"],
            tries=row["tries"],
            lease_until=row["lease_until"],
        )
        for row in rows
    ]


async def renew_lease(engine: AsyncEngine, claimed: Claimed, until: datetime) -> Claimed | None:
    """The claim held on to `until`, or None when it is no longer the row's (it lapsed and was
    taken again, or the reminder was planned again)."""
    held = await leases.renew(engine, reminders, _held(claimed), until)
    return None if held is None else dataclasses.replace(claimed, lease_until=held.lease_until)


async def mark_sent(engine: AsyncEngine, claimed: Claimed, at: datetime) -> bool:
    return await _mark(engine, claimed, state="sent", sent_at=at, last_error=None)


async def mark_skipped(engine: AsyncEngine, claimed: Claimed, why: str) -> bool:
    """Not sent, and not to be, for a reason in `notify.plan.SKIPPED_BECAUSE`."""
    return await _mark(engine, claimed, state="skipped", last_error=why)


async def mark_failed(
    engine: AsyncEngine, claimed: Claimed, error: str, *, retry_at: datetime | None
) -> bool:
    """A temporary failure is due again at `retry_at`; a permanent one (None) stops there."""
    if retry_at is None:
        return await _mark(engine, claimed, state="failed", last_error=error[:MAX_ERROR_CHARS])
    return await _mark(engine, claimed, due_at=retry_at, last_error=error[:MAX_ERROR_CHARS])


async def _mark(engine: AsyncEngine, claimed: Claimed, **values: Any) -> bool:
    """False when the claim is no longer the row's (it lapsed and was taken again, or the
    reminder was planned again): then the row is someone else's to mark."""
    return await leases.release(engine, reminders, _held(claimed), **values)


def _held(claimed: Claimed) -> leases.Held:
    return leases.Held(claimed.id, claimed.lease_until)


async def reminders_for(engine: AsyncEngine, check_ids: list[str]) -> dict[str, list[ReminderView]]:
    """`reminders_of` for many checks in one statement."""
    found: dict[str, list[ReminderView]] = {check_id: [] for check_id in check_ids}
    if not check_ids:
        return found
    query = (
        sa.select(reminders.c.check_id, *VIEW_COLUMNS)
        .where(reminders.c.check_id.in_(check_ids))
        .order_by(reminders.c.kind.desc(), reminders.c.offset_minutes.desc())
    )
    async with engine.connect() as conn:
        for row in (await conn.execute(query)).mappings():
            values = dict(row)
            found[values.pop("check_id")].append(_view(values))
    return found


def _view(values: dict[str, Any]) -> ReminderView:
    # Our own rows: the lax mode reads the kind and state from their stored strings.
    return ReminderView.model_validate(values, strict=False)
