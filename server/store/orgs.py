"""Organisations and their API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.ids import hash_api_key, new_api_key, new_id
from server.store.schema import api_keys, organisations


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    allowed_origins: tuple[str, ...]


async def create_org(engine: AsyncEngine, name: str, origins: list[str]) -> Organisation:
    org = Organisation(id=new_id(), name=name, allowed_origins=tuple(origins))
    async with engine.begin() as conn:
        await conn.execute(
            organisations.insert().values(
                id=org.id, name=name, allowed_origins=origins, created_at=datetime.now(UTC)
            )
        )
    return org


async def create_api_key(engine: AsyncEngine, org_id: str) -> str:
    """Make a key for the organisation; the plain key is returned once and only its hash is kept."""
    key = new_api_key()
    async with engine.begin() as conn:
        await conn.execute(
            api_keys.insert().values(
                id=new_id(), org_id=org_id, key_hash=hash_api_key(key), created_at=datetime.now(UTC)
            )
        )
    return key


async def org_for_api_key(engine: AsyncEngine, key: str) -> Organisation | None:
    query = (
        sa.select(organisations)
        .join(api_keys, api_keys.c.org_id == organisations.c.id)
        .where(api_keys.c.key_hash == hash_api_key(key), api_keys.c.revoked_at.is_(None))
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return Organisation(
        id=row["id"], name=row["name"], allowed_origins=tuple(row["allowed_origins"])
    )
