"""Attempts: one run of the device check and its stored result (numbers and reason codes only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.checks import CheckStatus, set_status
from server.store.schema import attempts

CHECK_NAMES = ("camera", "lighting", "microphone", "speakers", "network")


async def record_attempt(engine: AsyncEngine, result: dict[str, Any]) -> None:
    """Store a finished attempt and move its check to the attempt's verdict, atomically."""
    checks = result["checks"]
    async with engine.begin() as conn:
        await conn.execute(
            attempts.insert().values(
                id=result["attempt_id"],
                check_id=result["check_id"],
                started_at=datetime.fromisoformat(result["started_at"]),
                finished_at=datetime.fromisoformat(result["finished_at"]),
                overall=result["overall"],
                result=result,
                **{f"{name}_status": checks[name]["status"] for name in CHECK_NAMES},
            )
        )
        await set_status(conn, result["check_id"], CheckStatus(result["overall"]))


async def latest_result(engine: AsyncEngine, check_id: str) -> dict[str, Any] | None:
    query = (
        sa.select(attempts.c.result)
        .where(attempts.c.check_id == check_id)
        .order_by(attempts.c.finished_at.desc())
        .limit(1)
    )
    async with engine.connect() as conn:
        result: dict[str, Any] | None = (await conn.execute(query)).scalar_one_or_none()
    return result
