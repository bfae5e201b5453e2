"""Checks: one upcoming interview's device check, reached by the candidate through its token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.store.ids import new_id, new_token
from server.store.schema import checks

# A candidate may come back shortly after the interview (e.g. to re-join a dropped call).
TOKEN_GRACE = timedelta(hours=12)


class CheckStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    WARNINGS = "warnings"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class NewCheck:
    """A check as a recruiter or vendor describes it, already validated."""

    candidate_name: str
    candidate_email: str
    starts_at: datetime
    time_zone: str
    duration_minutes: int
    title: str
    locale: str
    agenda: list[str] = field(default_factory=list)
    interviewers: list[str] = field(default_factory=list)
    join_url: str | None = None


@dataclass(frozen=True)
class Check:
    id: str
    org_id: str
    token: str
    token_expires_at: datetime
    candidate_name: str
    candidate_email: str
    starts_at: datetime
    time_zone: str
    duration_minutes: int
    title: str
    agenda: list[str]
    interviewers: list[str]
    join_url: str | None
    locale: str
    status: CheckStatus
    created_at: datetime
    updated_at: datetime


def check_from_row(row: RowMapping | dict[str, Any]) -> Check:
    values = dict(row)
    values["status"] = CheckStatus(values["status"])
    return Check(**values)


async def create_check(engine: AsyncEngine, org_id: str, new: NewCheck) -> Check:
    now = datetime.now(UTC)
    ends_at = new.starts_at + timedelta(minutes=new.duration_minutes)
    values = {
        "id": new_id(),
        "org_id": org_id,
        "token": new_token(),
        "token_expires_at": ends_at + TOKEN_GRACE,
        "status": CheckStatus.NOT_STARTED.value,
        "created_at": now,
        "updated_at": now,
        **new.__dict__,
    }
    async with engine.begin() as conn:
        await conn.execute(checks.insert().values(**values))
    return check_from_row(values)


async def get_check(engine: AsyncEngine, org_id: str, check_id: str) -> Check | None:
    """The organisation's check by id; another organisation's check reads as missing."""
    query = sa.select(checks).where(checks.c.id == check_id, checks.c.org_id == org_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else check_from_row(row)


async def org_id_for_token(engine: AsyncEngine, token: str) -> str | None:
    """The organisation a link belongs to, expired or not: an expired link embedded in a vendor's
    page may still be framed there, to explain that it has expired."""
    query = sa.select(checks.c.org_id).where(checks.c.token == token)
    async with engine.connect() as conn:
        org_id: str | None = (await conn.execute(query)).scalar_one_or_none()
    return org_id


async def check_by_token(engine: AsyncEngine, token: str, now: datetime) -> Check | None:
    """The check a candidate link points to, unless the link has expired."""
    query = sa.select(checks).where(checks.c.token == token, checks.c.token_expires_at > now)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else check_from_row(row)


async def set_status(conn: AsyncConnection, check_id: str, status: CheckStatus) -> None:
    await conn.execute(
        checks.update()
        .where(checks.c.id == check_id)
        .values(status=status.value, updated_at=datetime.now(UTC))
    )


async def mark_in_progress(engine: AsyncEngine, check_id: str) -> None:
    """A media session started; a check already judged keeps its verdict until a new one lands."""
    async with engine.begin() as conn:
        await conn.execute(
            checks.update()
            .where(checks.c.id == check_id, checks.c.status == CheckStatus.NOT_STARTED.value)
            .values(status=CheckStatus.IN_PROGRESS.value, updated_at=datetime.now(UTC))
        )
