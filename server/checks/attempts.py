"""Where a check's status comes from: an attempt starting, its verdict, or its end without one.

These are the only functions that change a check's status; media sessions are given the last
two (in this process or in a media worker) and call them when a session ends.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from server.models.result import Result
from server.store import attempts, checks


async def start(engine: AsyncEngine, check_id: str, time_zone: str | None = None) -> None:
    """A media session started: in progress, unless the check already has a verdict (which
    stays until a new one lands)."""
    await checks.mark_in_progress(engine, check_id, time_zone)


async def record_verdict(engine: AsyncEngine, result: Result) -> None:
    """Store the attempt; the check takes the attempt's verdict, in the same transaction."""
    await attempts.record_attempt(engine, result)


async def abandon(engine: AsyncEngine, check_id: str) -> None:
    """A session ended without a verdict: the check shows its last verdict again, or not
    started."""
    await attempts.settle_status(engine, check_id)
