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
        return Insight(
            readiness=await _readiness(conn, in_period, now),
            problems=await _problems(conn, in_period),
            outcomes=await _outcomes(conn, in_period),
            feedback=await _feedback(conn, in_period, query.buckets),
            comments=await _comments(conn, in_period),
        )


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


async def _readiness(conn: Any, in_period: sa.ColumnElement[bool], now: datetime) -> Readiness:
    first_overall = (
        sa.select(attempts.c.overall)
        .where(attempts.c.check_id == checks.c.id)
        .order_by(attempts.c.finished_at, attempts.c.id)
        .limit(1)
        .scalar_subquery()
    )
    ready_before_start = sa.exists().where(
        attempts.c.check_id == checks.c.id,
        attempts.c.overall == "ready",
        attempts.c.finished_at <= checks.c.starts_at,
    )
    held = checks.c.starts_at <= now
    row = (
        await conn.execute(
            sa.select(
                sa.func.count(),
                _count_if(first_overall.is_not(None)),
                _count_if(first_overall == "ready"),
                _count_if(held),
                _count_if(sa.and_(held, ready_before_start)),
            ).where(in_period)
        )
    ).one()
    return Readiness(*(int(value) for value in row))


async def _problems(conn: Any, in_period: sa.ColumnElement[bool]) -> list[tuple[str, int]]:
    candidates = sa.func.count(sa.distinct(attempt_reasons.c.check_id)).label("candidates")
    rows = await conn.execute(
        sa.select(attempt_reasons.c.code, candidates)
        .join(checks, checks.c.id == attempt_reasons.c.check_id)
        .where(in_period)
        .group_by(attempt_reasons.c.code)
        .order_by(candidates.desc(), attempt_reasons.c.code)
    )
    return [(code, int(count)) for code, count in rows]


async def _outcomes(conn: Any, in_period: sa.ColumnElement[bool]) -> dict[str, list[Outcomes]]:
    columns = list(_DIMENSION_COLUMNS.values())
    rows = await conn.execute(
        sa.select(*columns, attempts.c.overall, sa.func.count())
        .join(checks, checks.c.id == attempts.c.check_id)
        .where(in_period)
        .group_by(*columns, attempts.c.overall)
    )
    counts: dict[str, dict[str, dict[str, int]]] = {name: defaultdict(dict) for name in DIMENSIONS}
    for *labels, overall, count in rows:
        for name, label in zip(DIMENSIONS, labels, strict=True):
            by_verdict = counts[name][label or "unknown"]
            by_verdict[overall] = by_verdict.get(overall, 0) + int(count)
    return {
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


async def _feedback(
    conn: Any, in_period: sa.ColumnElement[bool], buckets: tuple[datetime, ...]
) -> list[FeedbackPoint]:
    if not buckets:
        return []
    # The buckets are the caller's (whole days or weeks in the recruiter's zone), so the
    # grouping is a CASE over their edges rather than a database's own date functions.
    bucket = sa.case(
        *((checks.c.starts_at < edge, index) for index, edge in enumerate(buckets[1:])),
        else_=len(buckets) - 1,
    ).label("bucket")
    rows = await conn.execute(
        sa.select(bucket, sa.func.count(), sa.func.avg(attempts.c.feedback_ease))
        .join(checks, checks.c.id == attempts.c.check_id)
        .where(in_period, attempts.c.feedback_ease.is_not(None))
        # By the label: PostgreSQL sees the CASE's parameters twice as different expressions.
        .group_by(sa.literal_column("bucket"))
    )
    found = {int(index): (int(count), float(mean)) for index, count, mean in rows}
    return [
        FeedbackPoint(starts, *found.get(index, (0, None))) for index, starts in enumerate(buckets)
    ]


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
