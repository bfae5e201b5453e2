"""The candidate's feedback on an attempt: how easy it was to get ready, and a comment."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.models.feedback import Feedback
from server.store.schema import attempts


async def record_feedback(engine: AsyncEngine, check_id: str, feedback: Feedback) -> bool:
    """Store the answer on the check's attempt, replacing any earlier one; False if no such
    attempt belongs to this check."""
    async with engine.begin() as conn:
        updated = await conn.execute(
            attempts.update()
            .where(attempts.c.id == feedback.attempt_id, attempts.c.check_id == check_id)
            .values(
                feedback_ease=feedback.ease,
                feedback_comment=feedback.comment,
                feedback_at=feedback.at,
            )
        )
    return updated.rowcount == 1


async def latest_feedback(engine: AsyncEngine, check_id: str) -> Feedback | None:
    """The most recent answer the candidate gave for any attempt of this check."""
    query = (
        sa.select(
            attempts.c.id,
            attempts.c.feedback_ease,
            attempts.c.feedback_comment,
            attempts.c.feedback_at,
        )
        .where(attempts.c.check_id == check_id, attempts.c.feedback_at.is_not(None))
        .order_by(attempts.c.feedback_at.desc())
        .limit(1)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    return Feedback(attempt_id=row[0], ease=row[1], comment=row[2], at=row[3])


async def latest_feedbacks(engine: AsyncEngine, check_ids: list[str]) -> dict[str, Feedback]:
    """`latest_feedback` for many checks in one statement."""
    if not check_ids:
        return {}
    ranked = (
        sa.select(
            attempts.c.check_id,
            attempts.c.id,
            attempts.c.feedback_ease,
            attempts.c.feedback_comment,
            attempts.c.feedback_at,
            sa.func.row_number()
            .over(partition_by=attempts.c.check_id, order_by=attempts.c.feedback_at.desc())
            .label("rank"),
        )
        .where(attempts.c.check_id.in_(check_ids), attempts.c.feedback_at.is_not(None))
        .subquery()
    )
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(ranked).where(ranked.c.rank == 1))
        return {
            row.check_id: Feedback(
                attempt_id=row.id,
                ease=row.feedback_ease,
                comment=row.feedback_comment,
                at=row.feedback_at,
            )
            for row in rows
        }
