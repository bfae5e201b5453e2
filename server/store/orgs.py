"""Organisations, the origins allowed to embed their checks, and their API keys."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from server.ids import hash_api_key, new_api_key, new_id
from server.models.org import Organisation
from server.store.schema import api_keys, organisations

MAX_ORIGIN_CHARS = 300
# Nothing but these characters can reach the Content-Security-Policy header an origin goes into:
# no spaces, semicolons, commas, quotes or line breaks, so no second directive or header.
ORIGIN_SHAPE = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?/?",
    re.IGNORECASE,
)
DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
DEFAULT_PORTS = {"http": 80, "https": 443}
LAST_USED_EVERY = timedelta(minutes=1)


class InvalidOrigin(ValueError):
    """Not an origin like https://vendor.example or http://localhost:8080."""


def parse_origin(text: str) -> str:
    """`scheme://host[:port]` as a browser serialises it (lower case, no default port).

    Browsers compare `event.origin` and `frame-ancestors` against this exact form, so it is
    normalised once, here, and every stored origin has passed through it.
    """
    match = ORIGIN_SHAPE.fullmatch(text) if len(text) <= MAX_ORIGIN_CHARS else None
    if match is None:
        raise InvalidOrigin(f"{text!r} is not an origin like https://example.com")
    scheme, host = match["scheme"].lower(), match["host"].lower()
    try:
        if host.startswith("["):
            host = f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        elif host.rsplit(".", 1)[-1].isdigit():
            # A browser reads a name ending in a number as an IPv4 address, or refuses it.
            host = str(ipaddress.IPv4Address(host))
    except ValueError:
        raise InvalidOrigin(f"{text!r} is not an origin: invalid IP address") from None
    if not host.startswith("[") and (
        len(host) > 253 or not all(DNS_LABEL.fullmatch(label) for label in host.split("."))
    ):
        raise InvalidOrigin(
            f"{text!r} is not an origin: invalid host name (give non-ASCII names as xn--…)"
        )
    port = match["port"]
    if port is None or int(port) == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    if not 1 <= int(port) <= 65535:
        raise InvalidOrigin(f"{text!r} is not an origin: port outside 1-65535")
    return f"{scheme}://{host}:{int(port)}"


def valid_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """The origins that pass `parse_origin`, normalised, first occurrence kept."""
    kept: dict[str, None] = {}
    for origin in origins:
        try:
            kept[parse_origin(origin)] = None
        except InvalidOrigin:
            continue
    return tuple(kept)


async def create_org(engine: AsyncEngine, name: str, origins: list[str]) -> Organisation:
    """Raises InvalidOrigin, and stores nothing, unless every origin is one."""
    normalised = list(dict.fromkeys(parse_origin(origin) for origin in origins))
    org = Organisation(id=new_id(), name=name, allowed_origins=tuple(normalised))
    async with engine.begin() as conn:
        await conn.execute(
            organisations.insert().values(
                id=org.id, name=name, allowed_origins=normalised, created_at=datetime.now(UTC)
            )
        )
    return org


async def set_reminder_settings(
    engine: AsyncEngine, org_id: str, *, offsets: str | None, reply_to: str | None
) -> bool:
    """The organisation's own lead times and reply-to address (None: the server's); False if
    there is no such organisation. The caller has validated both."""
    async with engine.begin() as conn:
        updated = await conn.execute(
            organisations.update()
            .where(organisations.c.id == org_id)
            .values(reminder_offsets=offsets, reply_to=reply_to)
        )
    return bool(updated.rowcount)


async def create_api_key(engine: AsyncEngine, org_id: str) -> str:
    """Make a key for the organisation; the plain key is returned once and only its hash is kept."""
    return (await new_api_key_for(engine, org_id))[1]


async def new_api_key_for(engine: AsyncEngine, org_id: str) -> tuple[str, str]:
    """(key id, plain key): the plain key is returned once and only its hash is kept."""
    key, key_id = new_api_key(), new_id()
    async with engine.begin() as conn:
        await conn.execute(
            api_keys.insert().values(
                id=key_id, org_id=org_id, key_hash=hash_api_key(key), created_at=datetime.now(UTC)
            )
        )
    return key_id, key


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


async def api_keys_of(engine: AsyncEngine, org_id: str) -> list[ApiKeyInfo]:
    query = (
        sa.select(
            api_keys.c.id, api_keys.c.created_at, api_keys.c.last_used_at, api_keys.c.revoked_at
        )
        .where(api_keys.c.org_id == org_id)
        .order_by(api_keys.c.created_at)
    )
    async with engine.connect() as conn:
        return [ApiKeyInfo(*row) for row in await conn.execute(query)]


async def revoke_api_key(engine: AsyncEngine, org_id: str, key_id: str) -> bool:
    """Refused from the next request on; False if the organisation has no such key. Revoking
    twice keeps the first time."""
    async with engine.begin() as conn:
        found = await conn.execute(
            api_keys.update()
            .where(api_keys.c.id == key_id, api_keys.c.org_id == org_id)
            .values(revoked_at=sa.func.coalesce(api_keys.c.revoked_at, datetime.now(UTC)))
        )
    return bool(found.rowcount)


async def get_org(engine: AsyncEngine, org_id: str) -> Organisation | None:
    query = sa.select(organisations).where(organisations.c.id == org_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else _from_row(row)


async def org_for_api_key(engine: AsyncEngine, key: str) -> Organisation | None:
    """The organisation of a key that is not revoked; its use is noted (at most once a minute)."""
    now = datetime.now(UTC)
    query = (
        sa.select(organisations, api_keys.c.id.label("key_id"), api_keys.c.last_used_at)
        .join(api_keys, api_keys.c.org_id == organisations.c.id)
        .where(api_keys.c.key_hash == hash_api_key(key), api_keys.c.revoked_at.is_(None))
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    if row["last_used_at"] is None or row["last_used_at"] < now - LAST_USED_EVERY:
        async with engine.begin() as conn:
            await conn.execute(
                api_keys.update().where(api_keys.c.id == row["key_id"]).values(last_used_at=now)
            )
    return _from_row(row)


def _from_row(row: RowMapping) -> Organisation:
    # Rows stored before origins were validated at creation are filtered on the way out too:
    # whatever reaches a response header has passed `parse_origin`.
    return Organisation(
        id=row["id"],
        name=row["name"],
        allowed_origins=valid_origins(row["allowed_origins"]),
        reminder_offsets=row["reminder_offsets"],
        reply_to=row["reply_to"],
    )
