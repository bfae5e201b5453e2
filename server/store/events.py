"""The feed of check changes: one row per change, written in the changing transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.store.schema import UTCDateTime, check_events, checks

KEPT_FOR = timedelta(days=1)
"""Long enough for any dashboard to come back from a lost connection; older ones reload."""


@dataclass(frozen=True)
class CheckEvent:
    id: int
    org_id: str
    check_id: str


async def check_changed(conn: AsyncConnection, check_id: str) -> None:
    """Record that the check changed, inside the caller's transaction."""
    now = sa.literal(datetime.now(UTC), UTCDateTime)
    await conn.execute(
        check_events.insert().from_select(
            ["org_id", "check_id", "at"],
            sa.select(checks.c.org_id, checks.c.id, now).where(checks.c.id == check_id),
        )
    )


async def latest_event_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        latest = (await conn.execute(sa.select(sa.func.max(check_events.c.id)))).scalar()
    return int(latest or 0)


async def events_after(
    engine: AsyncEngine, after: int, *, org_id: str | None = None, limit: int = 500
) -> list[CheckEvent]:
    query = (
        sa.select(check_events.c.id, check_events.c.org_id, check_events.c.check_id)
        .where(check_events.c.id > after)
        .order_by(check_events.c.id)
        .limit(limit)
    )
    if org_id is not None:
        query = query.where(check_events.c.org_id == org_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [CheckEvent(id=row.id, org_id=row.org_id, check_id=row.check_id) for row in rows]


async def oldest_event_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        oldest = (await conn.execute(sa.select(sa.func.min(check_events.c.id)))).scalar()
    return int(oldest or 0)


async def prune_events(engine: AsyncEngine, now: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(check_events.delete().where(check_events.c.at < now - KEPT_FOR))
