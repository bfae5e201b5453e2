"""Checks: one upcoming interview's device check, reached by the candidate through its token."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.ids import new_id, new_token
from server.models.check import Check, CheckStatus, NewCheck
from server.store.events import check_changed
from server.store.reminders import cancel_reminders, plan_reminders
from server.store.schema import checks
from server.store.webhooks import check_event

# A candidate may come back shortly after the interview (e.g. to re-join a dropped call).
TOKEN_GRACE = timedelta(hours=12)


def check_from_row(row: RowMapping | dict[str, Any]) -> Check:
    # Our own rows: the lax mode reads the status and the locale from their stored strings.
    return Check.model_validate(dict(row), strict=False)


async def create_check(
    engine: AsyncEngine, org_id: str, new: NewCheck, *, reminders: tuple[timedelta, ...] = ()
) -> Check:
    """The check and its reminders (lead times `reminders`), in one transaction."""
    now = datetime.now(UTC)
    ends_at = new.starts_at + timedelta(minutes=new.duration_minutes)
    values = {
        "id": new_id(),
        "org_id": org_id,
        "token": new_token(),
        "token_expires_at": ends_at + TOKEN_GRACE,
        **_details(new),
        "status": CheckStatus.NOT_STARTED.value,
        "created_at": now,
        "updated_at": now,
    }
    async with engine.begin() as conn:
        await conn.execute(checks.insert().values(**values))
        await plan_reminders(conn, values["id"], new.starts_at, reminders, now)
        await check_changed(conn, values["id"])
    return check_from_row(values)


async def get_check(engine: AsyncEngine, org_id: str, check_id: str) -> Check | None:
    """The organisation's check by id; another organisation's check reads as missing."""
    query = sa.select(checks).where(checks.c.id == check_id, checks.c.org_id == org_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else check_from_row(row)


async def check_by_id(engine: AsyncEngine, check_id: str) -> Check | None:
    """Any organisation's check: for the server's own work, never for a request."""
    async with engine.connect() as conn:
        row = (
            (await conn.execute(sa.select(checks).where(checks.c.id == check_id)))
            .mappings()
            .first()
        )
    return None if row is None else check_from_row(row)


async def checks_by_ids(engine: AsyncEngine, check_ids: Collection[str]) -> dict[str, Check]:
    """Any organisation's checks among `check_ids` that exist, by id: for the server's own
    work (a batch of reminders), never for a request."""
    if not check_ids:
        return {}
    query = sa.select(checks).where(checks.c.id.in_(list(check_ids)))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return {row["id"]: check_from_row(row) for row in rows}


async def org_id_for_token(engine: AsyncEngine, token: str) -> str | None:
    """The organisation a link belongs to, expired or not: an expired link embedded in a vendor's
    page may still be framed there, to explain that it has expired."""
    query = sa.select(checks.c.org_id).where(checks.c.token == token)
    async with engine.connect() as conn:
        org_id: str | None = (await conn.execute(query)).scalar_one_or_none()
    return org_id


async def check_by_token(engine: AsyncEngine, token: str, now: datetime) -> Check | None:
    """The check a candidate link points to, unless the link has expired or the check has been
    cancelled."""
    query = sa.select(checks).where(
        checks.c.token == token,
        checks.c.token_expires_at > now,
        checks.c.status != CheckStatus.CANCELLED.value,
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else check_from_row(row)


async def set_status(conn: AsyncConnection, check_id: str, status: CheckStatus) -> None:
    """A verdict's status; a cancelled check stays cancelled (a session may outlive the cancel)."""
    await conn.execute(
        checks.update()
        .where(checks.c.id == check_id, checks.c.status != CheckStatus.CANCELLED.value)
        .values(status=status.value, updated_at=datetime.now(UTC))
    )
    await check_changed(conn, check_id)


async def mark_in_progress(
    engine: AsyncEngine, check_id: str, candidate_time_zone: str | None = None
) -> None:
    """A media session started; a check already judged keeps its verdict until a new one lands.
    The candidate's zone, when their browser gave it, is kept from this attempt on.

    A check in progress has `updated_at` stamped by every session that starts for it, so that
    `settle_stale_statuses` can tell one whose sessions may all be gone (in any instance)."""
    async with engine.begin() as conn:
        now = datetime.now(UTC)
        updated = await conn.execute(
            checks.update()
            .where(checks.c.id == check_id, checks.c.status == CheckStatus.NOT_STARTED.value)
            .values(status=CheckStatus.IN_PROGRESS.value, updated_at=now)
        )
        if not updated.rowcount:
            await conn.execute(
                checks.update()
                .where(checks.c.id == check_id, checks.c.status == CheckStatus.IN_PROGRESS.value)
                .values(updated_at=now)
            )
        if candidate_time_zone is not None:
            await conn.execute(
                checks.update()
                .where(checks.c.id == check_id)
                .values(candidate_time_zone=candidate_time_zone)
            )
        if updated.rowcount:
            await check_changed(conn, check_id)
        await check_event(conn, check_id, "check.started")


Updated = Literal["updated", "changed", "gone"]


async def update_check(
    engine: AsyncEngine,
    previous: Check,
    new: NewCheck,
    *,
    reminders: tuple[timedelta, ...] = (),
) -> Updated:
    """Replace the interview's details (the link and status stay) if the check is still as
    `previous` was read: `changed` if it changed meanwhile (read it again and retry), `gone` if
    it is cancelled. A moved interview re-plans its reminders; a new time, length or zone
    bumps the calendar sequence, so the candidate's calendar updates its one event."""
    now = datetime.now(UTC)
    ends_at = new.starts_at + timedelta(minutes=new.duration_minutes)
    moved = new.starts_at != previous.starts_at
    rescheduled = moved or (new.duration_minutes, new.time_zone) != (
        previous.duration_minutes,
        previous.time_zone,
    )
    async with engine.begin() as conn:
        updated = await conn.execute(
            checks.update()
            .where(
                checks.c.id == previous.id,
                checks.c.org_id == previous.org_id,
                checks.c.status != CheckStatus.CANCELLED.value,
                checks.c.updated_at == previous.updated_at,
            )
            .values(
                **_details(new),
                token_expires_at=ends_at + TOKEN_GRACE,
                calendar_sequence=checks.c.calendar_sequence + int(rescheduled),
            )
        )
        if not updated.rowcount:
            status = await conn.scalar(sa.select(checks.c.status).where(checks.c.id == previous.id))
            return "changed" if status not in (None, CheckStatus.CANCELLED.value) else "gone"
        if moved:
            await plan_reminders(conn, previous.id, new.starts_at, reminders, now)
        await check_changed(conn, previous.id)
    return "updated"


async def cancel_check(
    engine: AsyncEngine, org_id: str, check_id: str, *, notify: bool = False
) -> bool:
    """False if there is no such check of this organisation; cancelling twice is one cancel.
    Pending reminders are dropped; with `notify`, one cancellation is due at once (unless the
    interview has started)."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        cancelled = await conn.execute(
            checks.update()
            .where(
                checks.c.id == check_id,
                checks.c.org_id == org_id,
                checks.c.status != CheckStatus.CANCELLED.value,
            )
            .values(
                status=CheckStatus.CANCELLED.value,
                updated_at=now,
                calendar_sequence=checks.c.calendar_sequence + 1,
            )
            .returning(checks.c.starts_at)
        )
        starts_at = cancelled.scalar_one_or_none()
        if starts_at is None:
            found = await conn.scalar(
                sa.select(checks.c.id).where(checks.c.id == check_id, checks.c.org_id == org_id)
            )
            return found is not None
        await cancel_reminders(conn, check_id, now, notify=notify and starts_at > now)
        await check_changed(conn, check_id)
        await check_event(conn, check_id, "check.cancelled")
    return True


def _details(new: NewCheck) -> dict[str, Any]:
    return {
        "candidate_name": new.candidate.name,
        "candidate_email": new.candidate.email,
        "starts_at": new.starts_at,
        "time_zone": new.time_zone,
        "duration_minutes": new.duration_minutes,
        "title": new.title,
        "agenda": new.agenda,
        "interviewers": new.interviewers,
        "join_url": new.join_url,
        "locale": new.locale,
        "updated_at": datetime.now(UTC),
    }


async def list_checks(
    engine: AsyncEngine,
    org_id: str,
    *,
    status: CheckStatus | None,
    starts_after: datetime | None,
    starts_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Check]:
    """The organisation's checks, the newest interview first, from after the keyset `after`."""
    query = sa.select(checks).where(checks.c.org_id == org_id)
    if status is not None:
        query = query.where(checks.c.status == status.value)
    if starts_after is not None:
        query = query.where(checks.c.starts_at >= starts_after)
    if starts_before is not None:
        query = query.where(checks.c.starts_at < starts_before)
    if after is not None:
        query = query.where(sa.tuple_(checks.c.starts_at, checks.c.id) < sa.tuple_(*after))
    query = query.order_by(checks.c.starts_at.desc(), checks.c.id.desc()).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [check_from_row(row) for row in rows]


async def erase_check(engine: AsyncEngine, org_id: str, check_id: str) -> bool:
    """The check and everything about its candidate: attempts, results, feedback, reminders and
    its change events go with it (foreign keys with ON DELETE CASCADE). False if there is no
    such check of this organisation."""
    async with engine.begin() as conn:
        deleted = await conn.execute(
            checks.delete().where(checks.c.id == check_id, checks.c.org_id == org_id)
        )
    return bool(deleted.rowcount)
