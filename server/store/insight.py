"""The insight page's counts over one organisation's interviews in a period, all done in SQL.

An interview belongs to the period by its start time; cancelled ones are left out. Candidates
are counted once per check; browsers, systems and network paths once per attempt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.models.check import CheckStatus
from server.store.schema import attempt_reasons, attempts, checks

MAX_COMMENTS = 50
DIMENSIONS = ("browser", "os", "path")
_DIMENSION_COLUMNS = {
    "browser": attempts.c.browser_name,
    "os": attempts.c.os_name,
    "path": attempts.c.network_path,
}


@dataclass(frozen=True)
class InsightQuery:
    starts_from: datetime
    starts_before: datetime
    buckets: tuple[datetime, ...]
    """Where each period of the feedback series begins, ascending, all within the period."""


@dataclass(frozen=True)
class Readiness:
    candidates: int
    """Interviews in the period, cancelled ones left out."""
    checked: int
    """Of those, candidates who ran the check at least once."""
    ready_first: int
    """Of those checked, ready at their first attempt."""
    held: int
    """Interviews that have started by now."""
    ready_by_interview: int
    """Of those held, candidates with a ready attempt finished before the start."""


@dataclass(frozen=True)
class Outcomes:
    """Attempts with one browser (or system, or network path), by verdict."""

    label: str
    ready: int = 0
    warnings: int = 0
    not_ready: int = 0

    @property
    def attempts(self) -> int:
        return self.ready + self.warnings + self.not_ready


@dataclass(frozen=True)
class FeedbackPoint:
    starts: datetime
    answers: int
    mean_ease: float | None


@dataclass(frozen=True)
class Comment:
    check_id: str
    candidate_name: str
    ease: int
    text: str
    at: datetime


@dataclass(frozen=True)
class Insight:
    readiness: Readiness
    problems: list[tuple[str, int]]
    """Reason code and the candidates who met it, the most common first."""
    outcomes: dict[str, list[Outcomes]]
    """"browser", "os" and "path" to their rows, the most attempts first."""
    feedback: list[FeedbackPoint]
    comments: list[Comment]
    """The latest comments first."""


async def insight(engine: AsyncEngine, org_id: str, query: InsightQuery, now: datetime) -> Insight:
    in_period = sa.and_(
        checks.c.org_id == org_id,
        checks.c.starts_at >= query.starts_from,
        checks.c.starts_at < query.starts_before,
        checks.c.status != CheckStatus.CANCELLED.value,
    )
    async with engine.connect() as conn:
        outcomes, feedback = await _attempts(conn, in_period, query.buckets)
        return Insight(
            readiness=await _readiness(conn, in_period, now),
            problems=await _problems(conn, in_period),
            outcomes=outcomes,
            feedback=feedback,
            comments=await _comments(conn, in_period),
        )


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


async def _readiness(conn: Any, in_period: sa.ColumnElement[bool], now: datetime) -> Readiness:
    held = checks.c.starts_at <= now
    row = (
        await conn.execute(
            sa.select(
                sa.func.count(),
                _count_if(checks.c.first_verdict.is_not(None)),
                _count_if(checks.c.first_verdict == "ready"),
                _count_if(held),
                _count_if(sa.and_(held, checks.c.first_ready_at <= checks.c.starts_at)),
            ).where(in_period)
        )
    ).one()
    return Readiness(*(int(value) for value in row))


async def _problems(conn: Any, in_period: sa.ColumnElement[bool]) -> list[tuple[str, int]]:
    met = (
        sa.select(attempt_reasons.c.check_id, attempt_reasons.c.code)
        .distinct()
        .join(checks, checks.c.id == attempt_reasons.c.check_id)
        .where(in_period)
        .subquery()
    )
    candidates = sa.func.count().label("candidates")
    rows = await conn.execute(
        sa.select(met.c.code, candidates)
        .group_by(met.c.code)
        .order_by(candidates.desc(), met.c.code)
    )
    return [(code, int(count)) for code, count in rows]


async def _attempts(
    conn: Any, in_period: sa.ColumnElement[bool], buckets: tuple[datetime, ...]
) -> tuple[dict[str, list[Outcomes]], list[FeedbackPoint]]:
    """The attempts by browser, system and path, and their answers by period, in one pass."""
    # The buckets are the caller's (whole days or weeks in the recruiter's zone), so the
    # grouping is a CASE over their edges rather than a database's own date functions.
    bucket = sa.case(
        *((checks.c.starts_at < edge, index) for index, edge in enumerate(buckets[1:])),
        else_=max(len(buckets) - 1, 0),
    ).label("bucket")
    columns = list(_DIMENSION_COLUMNS.values())
    rows = await conn.execute(
        sa.select(
            *columns,
            attempts.c.overall,
            bucket,
            sa.func.count(),
            sa.func.count(attempts.c.feedback_ease),
            sa.func.coalesce(sa.func.sum(attempts.c.feedback_ease), 0),
        )
        .join(checks, checks.c.id == attempts.c.check_id)
        .where(in_period)
        # The CASE by its label: PostgreSQL sees its parameters twice as different expressions.
        .group_by(*columns, attempts.c.overall, sa.literal_column("bucket"))
    )
    counts: dict[str, dict[str, dict[str, int]]] = {name: defaultdict(dict) for name in DIMENSIONS}
    answers = [0] * len(buckets)
    ease = [0] * len(buckets)
    for *labels, overall, index, count, answered, total in rows:
        for name, label in zip(DIMENSIONS, labels, strict=True):
            by_verdict = counts[name][label or "unknown"]
            by_verdict[overall] = by_verdict.get(overall, 0) + int(count)
        if buckets:
            answers[int(index)] += int(answered)
            ease[int(index)] += int(total)
    outcomes = {
        name: sorted(
            (
                Outcomes(
                    label,
                    ready=verdicts.get("ready", 0),
                    warnings=verdicts.get("warnings", 0),
                    not_ready=verdicts.get("not_ready", 0),
                )
                for label, verdicts in by_label.items()
            ),
            key=lambda outcomes: (-outcomes.attempts, outcomes.label),
        )
        for name, by_label in counts.items()
    }
    feedback = [
        FeedbackPoint(starts, count, ease[index] / count if count else None)
        for index, (starts, count) in enumerate(zip(buckets, answers, strict=True))
    ]
    return outcomes, feedback


async def _comments(conn: Any, in_period: sa.ColumnElement[bool]) -> list[Comment]:
    rows = await conn.execute(
        sa.select(
            checks.c.id,
            checks.c.candidate_name,
            attempts.c.feedback_ease,
            attempts.c.feedback_comment,
            attempts.c.feedback_at,
        )
        .join(checks, checks.c.id == attempts.c.check_id)
        .where(in_period, attempts.c.feedback_comment.is_not(None))
        .order_by(attempts.c.feedback_at.desc(), attempts.c.id)
        .limit(MAX_COMMENTS)
    )
    return [Comment(*row) for row in rows]
