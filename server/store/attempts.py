"""Attempts: one run of the device check and its stored result (numbers and reason codes only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.models.check import Check, CheckStatus
from server.models.result import Result
from server.store.checks import check_from_row, set_status
from server.store.events import check_changed
from server.store.schema import STATUS_COLUMNS, attempt_reasons, attempts, checks
from server.store.webhooks import check_event


async def record_attempt(engine: AsyncEngine, result: Result) -> None:
    """Store a finished attempt and move its check to the attempt's verdict, atomically."""
    async with engine.begin() as conn:
        await conn.execute(
            attempts.insert().values(
                id=result.attempt_id,
                check_id=result.check_id,
                started_at=result.started_at,
                finished_at=result.finished_at,
                overall=result.overall.value,
                result=result.model_dump(mode="json"),
                **{
                    column: getattr(result.checks, name).status.value
                    for name, column in STATUS_COLUMNS.items()
                },
                browser_name=result.browser.name,
                os_name=result.browser.os,
                network_path=result.network_path(),
            )
        )
        codes = sorted(result.reason_codes())
        if codes:
            await conn.execute(
                attempt_reasons.insert(),
                [
                    {"attempt_id": result.attempt_id, "check_id": result.check_id, "code": code}
                    for code in codes
                ],
            )
        ready = result.overall.value == CheckStatus.READY.value
        await conn.execute(
            checks.update()
            .where(checks.c.id == result.check_id)
            .values(
                first_verdict=sa.func.coalesce(checks.c.first_verdict, result.overall.value),
                first_ready_at=sa.func.coalesce(
                    checks.c.first_ready_at,
                    sa.literal(result.finished_at, checks.c.first_ready_at.type),
                )
                if ready
                else checks.c.first_ready_at,
            )
        )
        await set_status(conn, result.check_id, CheckStatus(result.overall.value))
        await check_event(conn, result.check_id, "check.completed", result)


async def settle_status(engine: AsyncEngine, check_id: str) -> None:
    """A session ended without a verdict: the check shows its last verdict again, or not started."""
    async with engine.begin() as conn:
        overall = (await conn.execute(_latest(attempts.c.overall, check_id))).scalar_one_or_none()
        settled = await conn.execute(
            checks.update()
            .where(checks.c.id == check_id, checks.c.status == CheckStatus.IN_PROGRESS.value)
            .values(status=overall or CheckStatus.NOT_STARTED.value, updated_at=datetime.now(UTC))
        )
        if settled.rowcount:
            await check_changed(conn, check_id)


async def settle_stale_statuses(engine: AsyncEngine, untouched_since: datetime) -> list[str]:
    """Settle, as `settle_status` does, every check in progress whose row nothing has touched
    since `untouched_since` (every session start stamps it); returns their ids."""
    async with engine.begin() as conn:
        stale = (
            (
                await conn.execute(
                    sa.select(checks.c.id).where(
                        checks.c.status == CheckStatus.IN_PROGRESS.value,
                        checks.c.updated_at < untouched_since,
                    )
                )
            )
            .scalars()
            .all()
        )
        settled = []
        for check_id in stale:
            overall = (
                await conn.execute(_latest(attempts.c.overall, check_id))
            ).scalar_one_or_none()
            # The same condition again: a session may have started for it meanwhile.
            result = await conn.execute(
                checks.update()
                .where(
                    checks.c.id == check_id,
                    checks.c.status == CheckStatus.IN_PROGRESS.value,
                    checks.c.updated_at < untouched_since,
                )
                .values(
                    status=overall or CheckStatus.NOT_STARTED.value, updated_at=datetime.now(UTC)
                )
            )
            if result.rowcount:
                await check_changed(conn, check_id)
                settled.append(check_id)
    return settled


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
) -> tuple[Check, Result | None] | None:
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
    return check_from_row(values), None if result is None else result_from_row(result)


async def latest_result(engine: AsyncEngine, check_id: str) -> Result | None:
    async with engine.connect() as conn:
        query = _latest(attempts.c.result, check_id)
        result = (await conn.execute(query)).scalar_one_or_none()
    return None if result is None else result_from_row(result)


def result_from_row(stored: dict[str, Any]) -> Result:
    # Our own JSON: the lax mode reads its enums and timestamps back from their strings.
    return Result.model_validate(stored, strict=False)


def _latest(column: sa.ColumnElement[Any], check_id: str) -> sa.Select[Any]:
    """`column` of the check's most recent attempt."""
    return (
        sa.select(column)
        .where(attempts.c.check_id == check_id)
        .order_by(attempts.c.finished_at.desc())
        .limit(1)
    )
