"""Webhook endpoints and the outbox of deliveries to them.

A delivery row is written in the same transaction as its event (`enqueue`), so an event stored
is an event that will be delivered; rows are taken with the lease machinery of `store.leases`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.ids import new_id
from server.models.result import Result
from server.models.webhook import DeliveryView, WebhookView
from server.store import leases
from server.store.leases import Held
from server.store.schema import checks, webhook_deliveries, webhook_endpoints

MAX_ERROR_CHARS = 500
LISTED_DELIVERIES = 100


@dataclass(frozen=True)
class Endpoint:
    id: str
    org_id: str
    url: str
    events: list[str]
    secret: str
    created_at: datetime
    disabled_at: datetime | None

    def view(self) -> WebhookView:
        return WebhookView.model_validate(
            {
                "id": self.id,
                "url": self.url,
                "events": self.events,
                "created_at": self.created_at,
                "disabled_at": self.disabled_at,
            },
            strict=False,
        )


@dataclass(frozen=True)
class Delivery:
    """A claimed delivery with what sending it needs."""

    held: Held
    tries: int
    type: str
    body: str
    url: str
    secret: str


def delivery_id() -> str:
    return "msg_" + new_id()


async def create_endpoint(
    engine: AsyncEngine, org_id: str, url: str, events: list[str], secret: str
) -> Endpoint:
    endpoint = Endpoint(new_id(), org_id, url, events, secret, datetime.now(UTC), None)
    async with engine.begin() as conn:
        await conn.execute(
            webhook_endpoints.insert().values(
                id=endpoint.id,
                org_id=org_id,
                url=url,
                events=events,
                secret=secret,
                created_at=endpoint.created_at,
            )
        )
    return endpoint


async def endpoints_of(engine: AsyncEngine, org_id: str) -> list[Endpoint]:
    query = (
        sa.select(webhook_endpoints)
        .where(webhook_endpoints.c.org_id == org_id)
        .order_by(webhook_endpoints.c.created_at)
    )
    async with engine.connect() as conn:
        return [Endpoint(**row) for row in (await conn.execute(query)).mappings()]


async def get_endpoint(engine: AsyncEngine, org_id: str, endpoint_id: str) -> Endpoint | None:
    query = sa.select(webhook_endpoints).where(
        webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.org_id == org_id
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else Endpoint(**row)


async def delete_endpoint(engine: AsyncEngine, org_id: str, endpoint_id: str) -> bool:
    """The endpoint and its deliveries, pending ones included."""
    async with engine.begin() as conn:
        deleted = await conn.execute(
            webhook_endpoints.delete().where(
                webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.org_id == org_id
            )
        )
    return bool(deleted.rowcount)


async def enqueue(
    conn: AsyncConnection,
    org_id: str,
    event: str,
    data: dict[str, Any],
    now: datetime,
    *,
    check_id: str | None = None,
    endpoint_id: str | None = None,
) -> list[str]:
    """In the caller's transaction: one delivery of `event` to each of the organisation's live
    endpoints that asked for it (or to `endpoint_id` alone); their ids."""
    query = sa.select(webhook_endpoints.c.id, webhook_endpoints.c.events).where(
        webhook_endpoints.c.org_id == org_id, webhook_endpoints.c.disabled_at.is_(None)
    )
    if endpoint_id is not None:
        query = query.where(webhook_endpoints.c.id == endpoint_id)
    targets = [
        row.id
        for row in await conn.execute(query)
        if endpoint_id is not None or event in row.events
    ]
    made = []
    for target in targets:
        webhook_id = delivery_id()
        body = {"type": event, "timestamp": now.isoformat(), "data": data}
        await conn.execute(
            webhook_deliveries.insert().values(
                id=webhook_id,
                endpoint_id=target,
                check_id=check_id,
                type=event,
                body=json.dumps(body, separators=(",", ":")),
                state="pending",
                due_at=now,
                tries=0,
                created_at=now,
            )
        )
        made.append(webhook_id)
    return made


async def claim_deliveries(
    engine: AsyncEngine, now: datetime, lease: timedelta, limit: int
) -> list[Delivery]:
    rows = await leases.claim(
        engine,
        webhook_deliveries,
        now,
        lease,
        limit,
        [webhook_deliveries.c.endpoint_id, webhook_deliveries.c.type, webhook_deliveries.c.body],
    )
    if not rows:
        return []
    ids = {row["endpoint_id"] for row in rows}
    async with engine.connect() as conn:
        found = await conn.execute(
            sa.select(
                webhook_endpoints.c.id, webhook_endpoints.c.url, webhook_endpoints.c.secret
            ).where(webhook_endpoints.c.id.in_(ids))
        )
        endpoints = {row.id: (row.url, row.secret) for row in found}
    return [
        Delivery(
            held=Held(row["id"], row["lease_until"]),
            tries=row["tries"],
            type=row["type"],
            body=row["body"],
            url=endpoints[row["endpoint_id"]][0],
            secret=endpoints[row["endpoint_id"]][1],
        )
        for row in rows
        if row["endpoint_id"] in endpoints
    ]


async def delivered(engine: AsyncEngine, held: Held, status: int, at: datetime) -> bool:
    return await leases.release(
        engine,
        webhook_deliveries,
        held,
        state="delivered",
        last_status=status,
        last_error=None,
        delivered_at=at,
        due_at=None,
    )


async def not_delivered(
    engine: AsyncEngine, held: Held, status: int | None, error: str, retry_at: datetime | None
) -> bool:
    """Due again at `retry_at`, or failed for good when it is None."""
    values: dict[str, Any] = {"last_status": status, "last_error": error[:MAX_ERROR_CHARS]}
    if retry_at is None:
        values |= {"state": "failed", "due_at": None}
    else:
        values["due_at"] = retry_at
    return await leases.release(engine, webhook_deliveries, held, **values)


async def disable_endpoint_of(engine: AsyncEngine, held: Held, status: int, at: datetime) -> None:
    """The receiver answered 410 Gone: the endpoint is disabled and none of its deliveries,
    this one included, is tried again."""
    async with engine.begin() as conn:
        endpoint_id = await conn.scalar(
            sa.select(webhook_deliveries.c.endpoint_id).where(webhook_deliveries.c.id == held.id)
        )
        if endpoint_id is None:
            return
        await conn.execute(
            webhook_endpoints.update()
            .where(webhook_endpoints.c.id == endpoint_id)
            .values(disabled_at=at)
        )
        await conn.execute(
            webhook_deliveries.update()
            .where(
                webhook_deliveries.c.endpoint_id == endpoint_id,
                webhook_deliveries.c.state == "pending",
            )
            .values(
                state="failed",
                due_at=None,
                lease_until=None,
                last_status=sa.case(
                    (webhook_deliveries.c.id == held.id, status),
                    else_=webhook_deliveries.c.last_status,
                ),
                last_error="the endpoint answered 410 Gone and was disabled",
            )
        )


async def deliveries_of(engine: AsyncEngine, endpoint_id: str) -> list[DeliveryView]:
    query = (
        sa.select(webhook_deliveries)
        .where(webhook_deliveries.c.endpoint_id == endpoint_id)
        .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc())
        .limit(LISTED_DELIVERIES)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [
        DeliveryView.model_validate(
            {
                "webhook_id": row["id"],
                "type": row["type"],
                "attempts": row["tries"],
                "state": row["state"],
                "last_status": row["last_status"],
                "next_attempt_at": row["due_at"] if row["state"] == "pending" else None,
            },
            strict=False,
        )
        for row in rows
    ]


async def check_event(
    conn: AsyncConnection, check_id: str, event: str, result: Result | None = None
) -> None:
    """In the caller's transaction, after the check changed: `event` for it, with the check's
    status as it now is and, for a verdict, the attempt's references and reason codes."""
    row = (
        await conn.execute(
            sa.select(checks.c.org_id, checks.c.status).where(checks.c.id == check_id)
        )
    ).first()
    if row is None:
        return
    data = {
        "check_id": check_id,
        "attempt_id": None if result is None else result.attempt_id,
        "overall": None if result is None else result.overall.value,
        "status": row.status,
        "reasons": [] if result is None else sorted(result.reason_codes()),
    }
    await enqueue(conn, row.org_id, event, data, datetime.now(UTC), check_id=check_id)
