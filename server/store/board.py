"""The dashboard's reads: one organisation's checks with their latest attempt, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.checks.readiness import SOON, TODAY
from server.models.check import Check, CheckStatus
from server.models.feedback import Feedback
from server.models.result import Result
from server.store.attempts import result_from_row
from server.store.checks import check_from_row
from server.store.schema import attempts, checks


@dataclass(frozen=True)
class BoardQuery:
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    status: CheckStatus | None = None
    at_risk: bool = False
    search: str | None = None
    after: tuple[datetime, str] | None = None
    """Keyset cursor: the (starts_at, id) of the last row of the previous page."""
    limit: int = 50


@dataclass(frozen=True)
class BoardRow:
    check: Check
    latest: Result | None


def at_risk_clause(now: datetime) -> sa.ColumnElement[bool]:
    """The SQL form of `readiness.risk(...) is not None`."""
    upcoming = checks.c.starts_at > now
    return sa.and_(
        upcoming,
        sa.or_(
            sa.and_(
                checks.c.starts_at <= now + SOON,
                checks.c.status.not_in([CheckStatus.READY.value, CheckStatus.CANCELLED.value]),
            ),
            sa.and_(
                checks.c.starts_at <= now + TODAY,
                checks.c.status == CheckStatus.NOT_STARTED.value,
            ),
        ),
    )


def _filtered(org_id: str, query: BoardQuery, now: datetime) -> sa.Select[Any]:
    select = sa.select(checks).where(checks.c.org_id == org_id)
    if query.starts_from is not None:
        select = select.where(checks.c.starts_at >= query.starts_from)
    if query.starts_before is not None:
        select = select.where(checks.c.starts_at < query.starts_before)
    if query.status is not None:
        select = select.where(checks.c.status == query.status.value)
    if query.at_risk:
        select = select.where(at_risk_clause(now))
    if query.search:
        needle = query.search.lower()
        select = select.where(
            sa.or_(
                *(
                    sa.func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        checks.c.candidate_name,
                        checks.c.candidate_email,
                        checks.c.title,
                    )
                )
            )
        )
    return select


async def board_rows(
    engine: AsyncEngine, org_id: str, query: BoardQuery, now: datetime
) -> list[BoardRow]:
    """Soonest interview first, at most `query.limit` rows after the cursor."""
    select = _filtered(org_id, query, now)
    if query.after is not None:
        starts_at, check_id = query.after
        select = select.where(
            sa.or_(
                checks.c.starts_at > starts_at,
                sa.and_(checks.c.starts_at == starts_at, checks.c.id > check_id),
            )
        )
    select = select.order_by(checks.c.starts_at, checks.c.id).limit(query.limit)
    async with engine.connect() as conn:
        found = [check_from_row(row) for row in (await conn.execute(select)).mappings()]
        latest = await latest_results(conn, [check.id for check in found])
    return [BoardRow(check, latest.get(check.id)) for check in found]


async def board_row(engine: AsyncEngine, org_id: str, check_id: str) -> BoardRow | None:
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    sa.select(checks).where(checks.c.id == check_id, checks.c.org_id == org_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        check = check_from_row(row)
        latest = await latest_results(conn, [check.id])
    return BoardRow(check, latest.get(check.id))


async def latest_results(conn: Any, check_ids: list[str]) -> dict[str, Result]:
    """Each check's latest result, in one statement on the caller's connection."""
    if not check_ids:
        return {}
    ranked = (
        sa.select(
            attempts.c.check_id,
            attempts.c.result,
            sa.func.row_number()
            .over(partition_by=attempts.c.check_id, order_by=attempts.c.finished_at.desc())
            .label("rank"),
        )
        .where(attempts.c.check_id.in_(check_ids))
        .subquery()
    )
    rows = await conn.execute(
        sa.select(ranked.c.check_id, ranked.c.result).where(ranked.c.rank == 1)
    )
    return {row.check_id: result_from_row(row.result) for row in rows}


@dataclass(frozen=True)
class AttemptRecord:
    result: Result
    feedback: Feedback | None


async def attempts_of(engine: AsyncEngine, check_id: str) -> list[AttemptRecord]:
    """Every attempt of a check, the latest first, each with the candidate's answer about it."""
    query = (
        sa.select(
            attempts.c.id,
            attempts.c.result,
            attempts.c.feedback_ease,
            attempts.c.feedback_comment,
            attempts.c.feedback_at,
        )
        .where(attempts.c.check_id == check_id)
        .order_by(attempts.c.finished_at.desc())
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        AttemptRecord(
            result=result_from_row(row.result),
            feedback=None
            if row.feedback_at is None
            else Feedback(
                attempt_id=row.id,
                ease=row.feedback_ease,
                comment=row.feedback_comment,
                at=row.feedback_at,
            ),
        )
        for row in rows
    ]
