"""Demo data: an organisation, an API key, a recruiter and one check whose interview starts in an
hour. The organisation's check page may be embedded by the example vendor page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.accounts.passwords import hash_password
from server.models.check import Candidate, Check, NewCheck
from server.models.user import NewUser, Role
from server.store import users
from server.store.checks import create_check
from server.store.orgs import create_api_key, create_org, parse_origin
from server.store.schema import organisations

DEMO_ORG = "Greenroom Demo"
EXAMPLE_VENDOR_ORIGIN = "http://localhost:8081"
"""Where docs/examples/vendor-page.html is served from to try embedding (docs/embedding.md)."""


DEMO_RECRUITER = "recruiter@example.com"


@dataclass(frozen=True)
class Demo:
    org_id: str
    api_key: str
    check: Check
    recruiter_email: str
    recruiter_password: str


async def seed_demo(
    engine: AsyncEngine, base_url: str, reminders: tuple[timedelta, ...] = ()
) -> Demo:
    """Reuse the demo organisation if it exists; a fresh API key and check on every run. The
    check starts within the hour, so its last reminder is due at once."""
    origins = [base_url, EXAMPLE_VENDOR_ORIGIN]
    async with engine.begin() as conn:
        org_id = (
            await conn.execute(
                sa.select(organisations.c.id).where(organisations.c.name == DEMO_ORG)
            )
        ).scalar_one_or_none()
        if org_id is not None:
            # A demo seeded by an older version, or served on another port, embeds as this one.
            await conn.execute(
                organisations.update()
                .where(organisations.c.id == org_id)
                .values(allowed_origins=[parse_origin(origin) for origin in origins])
            )
    if org_id is None:
        org_id = (await create_org(engine, DEMO_ORG, origins)).id
    api_key = await create_api_key(engine, org_id)
    starts_at = (datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0)
    check = await create_check(
        engine,
        org_id,
        NewCheck(
            candidate=Candidate(name="Alex Candidate", email="alex@example.com"),
            starts_at=starts_at,
            time_zone="Europe/Stockholm",
            duration_minutes=45,
            title="Interview: Backend Engineer",
            locale="en",
            agenda=["Introductions", "Your experience", "Questions for us"],
            interviewers=["Sam Recruiter", "Kim Engineer"],
            join_url="https://meet.example.com/backend-engineer",
        ),
        reminders=reminders,
    )
    password = secrets.token_urlsafe(12)
    await _demo_recruiter(engine, org_id, password)
    return Demo(
        org_id=org_id,
        api_key=api_key,
        check=check,
        recruiter_email=DEMO_RECRUITER,
        recruiter_password=password,
    )


async def _demo_recruiter(engine: AsyncEngine, org_id: str, password: str) -> None:
    """The demo's recruiter, with a fresh password on every run (it is printed, not kept)."""
    password_hash = await hash_password(password)
    found = await users.user_by_email(engine, DEMO_RECRUITER)
    if found is not None:
        await users.set_password_hash(engine, found[0].id, password_hash)
        return
    new = NewUser(
        email=DEMO_RECRUITER,
        name="Sam Recruiter",
        role=Role.ADMIN,
        password=password,
        time_zone="Europe/Stockholm",
    )
    await users.create_user(engine, org_id, new, password_hash)
