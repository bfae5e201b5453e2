"""Where a check's status comes from: an attempt starting, its verdict, or its end without one.

These are the only functions that change a check's status; media sessions are given
`record_verdict` and `abandon` (in this process or in a media worker) and call them when a session
ends, the worker pool calls `abandon` for the sessions a lost worker took with it, and the server
calls `settle_stale` as it starts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from server.models.result import Result
from server.store import attempts, checks

log = logging.getLogger(__name__)

CLOCK_MARGIN = timedelta(minutes=1)
"""Allowance for the clocks of instances sharing a database, which stamp the checks they start."""


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


async def settle_stale(engine: AsyncEngine, session_seconds: float) -> None:
    """At start-up: checks left in progress by a server that ended without closing its sessions
    (a crash, SIGKILL, a machine lost) show their last verdict again.

    Other instances may share the database and be running sessions right now, so only a check
    that no session can still be running for is settled: one that has been in progress, with
    no session started for it, for longer than a session can live (`GREENROOM_SESSION_SECONDS`,
    which every instance must share), plus `CLOCK_MARGIN`."""
    untouched_since = datetime.now(UTC) - timedelta(seconds=session_seconds) - CLOCK_MARGIN
    settled = await attempts.settle_stale_statuses(engine, untouched_since)
    if settled:
        log.warning("settled %d check(s) left in progress by a server that stopped", len(settled))
