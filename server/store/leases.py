"""Work rows taken under a lease: reminders and webhook deliveries alike.

A table of work has `id`, `state` (`pending` while there is work), `due_at`, `lease_until` and
`tries`. A claim is one statement that takes due rows whose lease is free and sets a new lease:
on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that instances never take the same row; on
SQLite the single writer does the same. A worker that dies holding a claim loses it when the
lease lapses, and the row is taken again. A row is marked only while it still carries the
worker's lease: a lapsed claim, or a row planned again meanwhile, marks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Held:
    """A claimed row: its id and the lease that makes it this worker's."""

    id: str
    lease_until: datetime


async def claim(
    engine: AsyncEngine,
    table: sa.Table,
    now: datetime,
    lease: timedelta,
    limit: int,
    columns: list[sa.Column[Any]],
) -> list[RowMapping]:
    """Up to `limit` due rows, the earliest due first, each with `id`, `tries` (this try
    included), `lease_until` and `columns`."""
    due = (
        sa.select(table.c.id)
        .where(
            table.c.state == "pending",
            table.c.due_at <= now,
            sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now),
        )
        .order_by(table.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taking = (
        table.update()
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(lease_until=now + lease, tries=table.c.tries + 1)
        .returning(table.c.id, table.c.tries, table.c.lease_until, table.c.due_at, *columns)
    )
    async with engine.begin() as conn:
        rows = (await conn.execute(taking)).mappings().all()
    return sorted(rows, key=lambda row: row["due_at"])


async def renew(engine: AsyncEngine, table: sa.Table, held: Held, until: datetime) -> Held | None:
    """The same row for longer, if it is still ours; None if it is not."""
    async with engine.begin() as conn:
        renewed = await conn.execute(
            table.update()
            .where(
                table.c.id == held.id,
                table.c.state == "pending",
                table.c.lease_until == held.lease_until,
            )
            .values(lease_until=until)
        )
    return Held(held.id, until) if renewed.rowcount else None


async def release(engine: AsyncEngine, table: sa.Table, held: Held, **values: Any) -> bool:
    """Mark the row with `values` and free it; False when it is no longer ours."""
    async with engine.begin() as conn:
        updated = await conn.execute(
            table.update()
            .where(
                table.c.id == held.id,
                table.c.state == "pending",
                table.c.lease_until == held.lease_until,
            )
            .values(lease_until=None, **values)
        )
    return bool(updated.rowcount)
