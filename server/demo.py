"""Demo data: an organisation, an API key and one check whose interview starts in an hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from server.models.check import Candidate, Check, NewCheck
from server.store.checks import create_check
from server.store.orgs import create_api_key, create_org
from server.store.schema import organisations

DEMO_ORG = "Greenroom Demo"


@dataclass(frozen=True)
class Demo:
    org_id: str
    api_key: str
    check: Check


async def seed_demo(engine: AsyncEngine, base_url: str) -> Demo:
    """Reuse the demo organisation if it exists; a fresh API key and check on every run."""
    async with engine.connect() as conn:
        org_id = (
            await conn.execute(
                sa.select(organisations.c.id).where(organisations.c.name == DEMO_ORG)
            )
        ).scalar_one_or_none()
    if org_id is None:
        org_id = (await create_org(engine, DEMO_ORG, [base_url])).id
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
    )
    return Demo(org_id=org_id, api_key=api_key, check=check)
