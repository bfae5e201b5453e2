"""Attempts: one run of the device check and its stored result (numbers and reason codes only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.checks import Check, CheckStatus, check_from_row, set_status
from server.store.schema import attempts, checks

CHECK_NAMES = ("camera", "lighting", "microphone", "speakers", "network")


async def record_attempt(engine: AsyncEngine, result: dict[str, Any]) -> None:
    """Store a finished attempt and move its check to the attempt's verdict, atomically."""
    outcomes = result["checks"]
    async with engine.begin() as conn:
        await conn.execute(
            attempts.insert().values(
                id=result["attempt_id"],
                check_id=result["check_id"],
                started_at=datetime.fromisoformat(result["started_at"]),
                finished_at=datetime.fromisoformat(result["finished_at"]),
                overall=result["overall"],
                result=result,
                **{f"{name}_status": outcomes[name]["status"] for name in CHECK_NAMES},
            )
        )
        await set_status(conn, result["check_id"], CheckStatus(result["overall"]))


async def settle_status(engine: AsyncEngine, check_id: str) -> None:
    """A session ended without a verdict: the check shows its last verdict again, or not started."""
    async with engine.begin() as conn:
        overall = (await conn.execute(_latest(attempts.c.overall, check_id))).scalar_one_or_none()
        await conn.execute(
            checks.update()
            .where(checks.c.id == check_id, checks.c.status == CheckStatus.IN_PROGRESS.value)
            .values(status=overall or CheckStatus.NOT_STARTED.value, updated_at=datetime.now(UTC))
        )


async def attempts_since(engine: AsyncEngine, check_id: str, since: datetime) -> int:
    async with engine.connect() as conn:
        query = (
            sa.select(sa.func.count())
            .select_from(attempts)
            .where(attempts.c.check_id == check_id, attempts.c.finished_at >= since)
        )
        return int((await conn.execute(query)).scalar_one())


async def check_with_latest_result(
    engine: AsyncEngine, org_id: str, check_id: str
) -> tuple[Check, dict[str, Any] | None] | None:
    """The organisation's check and its latest result, read in one statement: the status and
    the result then always belong together, even while a verdict is being stored."""
    latest = _latest(attempts.c.result, check_id).scalar_subquery().label("latest_result")
    query = sa.select(checks, latest).where(checks.c.id == check_id, checks.c.org_id == org_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    values = dict(row)
    result = values.pop("latest_result")
    return check_from_row(values), result


async def latest_result(engine: AsyncEngine, check_id: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        query = _latest(attempts.c.result, check_id)
        result: dict[str, Any] | None = (await conn.execute(query)).scalar_one_or_none()
    return result


def _latest(column: sa.ColumnElement[Any], check_id: str) -> sa.Select[Any]:
    """`column` of the check's most recent attempt."""
    return (
        sa.select(column)
        .where(attempts.c.check_id == check_id)
        .order_by(attempts.c.finished_at.desc())
        .limit(1)
    )
