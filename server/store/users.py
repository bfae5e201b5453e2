"""Users and their sessions. Passwords arrive here already hashed; session tokens as hashes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.ids import new_id
from server.models.user import NewUser, User, UserSession
from server.store.schema import user_sessions, users


class EmailTaken(ValueError):
    """Another account already has this e-mail address."""


def user_from_row(row: RowMapping | dict[str, Any]) -> User:
    values = {name: row[name] for name in User.model_fields}
    return User.model_validate(values, strict=False)


async def create_user(engine: AsyncEngine, org_id: str, new: NewUser, password_hash: str) -> User:
    values = {
        "id": new_id(),
        "org_id": org_id,
        "email": new.email,
        "name": new.name,
        "role": new.role.value,
        "password_hash": password_hash,
        "locale": None,
        "time_zone": new.time_zone,
        "created_at": datetime.now(UTC),
    }
    try:
        async with engine.begin() as conn:
            await conn.execute(users.insert().values(**values))
    except IntegrityError:
        raise EmailTaken(new.email) from None
    return user_from_row(values)


async def user_by_email(engine: AsyncEngine, email: str) -> tuple[User, str] | None:
    """The user with this address and their password hash."""
    query = sa.select(users).where(users.c.email == email.lower())
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else (user_from_row(row), row["password_hash"])


async def set_password_hash(engine: AsyncEngine, user_id: str, password_hash: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            users.update().where(users.c.id == user_id).values(password_hash=password_hash)
        )


async def set_preferences(
    engine: AsyncEngine, user_id: str, *, locale: str | None, time_zone: str
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            users.update().where(users.c.id == user_id).values(locale=locale, time_zone=time_zone)
        )


async def list_users(engine: AsyncEngine, org_id: str) -> list[User]:
    query = sa.select(users).where(users.c.org_id == org_id).order_by(users.c.name)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [user_from_row(row) for row in rows]


async def create_session(
    engine: AsyncEngine, user_id: str, token_hash: str, csrf_token: str, expires_at: datetime
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            user_sessions.insert().values(
                token_hash=token_hash,
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
        )


async def session_by_hash(
    engine: AsyncEngine, token_hash: str, now: datetime
) -> UserSession | None:
    query = (
        sa.select(users, user_sessions.c.csrf_token, user_sessions.c.expires_at)
        .join(users, users.c.id == user_sessions.c.user_id)
        .where(user_sessions.c.token_hash == token_hash, user_sessions.c.expires_at > now)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return UserSession(
        user=user_from_row(row), csrf_token=row["csrf_token"], expires_at=row["expires_at"]
    )


async def delete_session(engine: AsyncEngine, token_hash: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(user_sessions.delete().where(user_sessions.c.token_hash == token_hash))


async def delete_expired_sessions(engine: AsyncEngine, now: datetime) -> int:
    async with engine.begin() as conn:
        deleted = await conn.execute(
            user_sessions.delete().where(user_sessions.c.expires_at <= now)
        )
    return deleted.rowcount
