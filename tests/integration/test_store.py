"""The store behaves the same on SQLite and PostgreSQL, chosen by URL alone."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import alembic.config
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from server.cli import HEAD_REVISION, main
from server.models.check import Check, CheckStatus
from server.models.feedback import Feedback
from server.models.result import CHECK_NAMES, Result
from server.store.attempts import latest_result, record_attempt
from server.store.checks import check_by_token, check_from_row, create_check, get_check
from server.store.db import create_engine, current_revision, migrate
from server.store.feedback import latest_feedback, record_feedback
from server.store.orgs import InvalidOrigin, create_api_key, create_org, get_org, org_for_api_key
from server.store.schema import (
    STATUS_COLUMNS,
    attempt_reasons,
    attempts,
    checks,
    metadata,
    organisations,
)
from tests.conftest import new_check


def result_for(check_id: str, overall: str, finished_at: datetime) -> Result:
    statuses = {"ready": "pass", "warnings": "warn", "not_ready": "fail"}
    return Result.model_validate_json(
        json.dumps(
            {
                "attempt_id": uuid.uuid4().hex,
                "check_id": check_id,
                "overall": overall,
                "started_at": (finished_at - timedelta(seconds=10)).isoformat(),
                "finished_at": finished_at.isoformat(),
                "browser": {"name": "Chrome", "version": "130", "os": "Linux"},
                "checks": {
                    name: {"status": statuses[overall], "reasons": [], "metrics": {}}
                    for name in CHECK_NAMES
                },
            }
        )
    )


async def test_store_round_trip(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        assert await current_revision(engine) == HEAD_REVISION

        org = await create_org(engine, "Acme", ["https://vendor.example"])
        other = await create_org(engine, "Other", [])
        key = await create_api_key(engine, org.id)
        assert (await org_for_api_key(engine, key)) == org
        assert await org_for_api_key(engine, key + "x") is None

        starts = datetime(2030, 5, 4, 12, 0, tzinfo=UTC)
        check = await create_check(engine, org.id, new_check(starts_at=starts, agenda=["Hi"]))
        loaded = await get_check(engine, org.id, check.id)
        assert loaded == check
        assert loaded is not None
        assert loaded.starts_at == starts
        assert loaded.agenda == ["Hi"]
        assert await get_check(engine, other.id, check.id) is None, "orgs never see each other"

        assert await check_by_token(engine, check.token, datetime.now(UTC)) == check
        expired = check.token_expires_at + timedelta(seconds=1)
        assert await check_by_token(engine, check.token, expired) is None

        now = datetime.now(UTC)
        await record_attempt(engine, result_for(check.id, "not_ready", now - timedelta(minutes=5)))
        newest = result_for(check.id, "warnings", now)
        await record_attempt(engine, newest)
        assert await latest_result(engine, check.id) == newest
        reloaded = await get_check(engine, org.id, check.id)
        assert reloaded is not None
        assert reloaded.status == CheckStatus.WARNINGS
    finally:
        await engine.dispose()


@pytest.mark.filterwarnings(
    # The board's trigram index is PostgreSQL's alone (and compared there); alembic says it
    # cannot compare it on SQLite, where it is never created.
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_checks_search'"
)
async def test_migrations_build_exactly_the_declared_schema(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
        assert differences == []
    finally:
        await engine.dispose()


async def test_feedback_is_stored_with_its_attempt_and_replaced(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        org = await create_org(engine, "Acme", [])
        check = await create_check(engine, org.id, new_check())
        other_check = await create_check(engine, org.id, new_check())
        now = datetime.now(UTC).replace(microsecond=0)
        earlier = result_for(check.id, "not_ready", now - timedelta(minutes=5))
        later = result_for(check.id, "ready", now)
        foreign = result_for(other_check.id, "ready", now)
        for result in (earlier, later, foreign):
            await record_attempt(engine, result)
        assert await latest_feedback(engine, check.id) is None

        first = Feedback(
            attempt_id=earlier.attempt_id, ease=2, comment="The camera took a while", at=now
        )
        assert await record_feedback(engine, check.id, first)
        assert await latest_feedback(engine, check.id) == first

        text = "Åsa här: lätt! 👍\nTack."
        changed = Feedback(
            attempt_id=first.attempt_id, ease=5, comment=text, at=now + timedelta(seconds=30)
        )
        assert await record_feedback(engine, check.id, changed)
        assert await latest_feedback(engine, check.id) == changed, "a new answer replaces"

        on_later = Feedback(
            attempt_id=later.attempt_id, ease=4, comment=None, at=now + timedelta(minutes=1)
        )
        assert await record_feedback(engine, check.id, on_later)
        assert await latest_feedback(engine, check.id) == on_later, "the newest answer wins"

        not_ours = Feedback(attempt_id=foreign.attempt_id, ease=1, comment="x", at=now)
        assert not await record_feedback(engine, check.id, not_ours)
        assert await latest_feedback(engine, other_check.id) is None
        missing = Feedback(attempt_id="0" * 32, ease=1, comment=None, at=now)
        assert not await record_feedback(engine, check.id, missing)

        assert await latest_result(engine, check.id) == later, "the result itself is untouched"
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(attempts.c.id, attempts.c.feedback_ease).where(
                        attempts.c.check_id == check.id
                    )
                )
            ).all()
        assert dict(rows) == {earlier.attempt_id: 5, later.attempt_id: 4}
    finally:
        await engine.dispose()


async def checks_as_of_0001(engine: AsyncEngine, org_id: str) -> Check:
    """A check written as the first schema had it (today's writer also records an event)."""
    new = new_check()
    now = datetime.now(UTC)
    values = {
        "id": uuid.uuid4().hex,
        "org_id": org_id,
        "token": uuid.uuid4().hex,
        "token_expires_at": now + timedelta(days=1),
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
        "status": "not_started",
        "created_at": now,
        "updated_at": now,
    }
    async with engine.begin() as conn:
        await conn.execute(checks.insert().values(**values))
    return check_from_row(values)


async def test_an_existing_database_gains_empty_feedback_and_its_insight_columns(
    any_database_url: str,
) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine, "0001")
        org = await create_org(engine, "Acme", [])
        check = await checks_as_of_0001(engine, org.id)
        stored = result_for(check.id, "warnings", datetime.now(UTC)).model_dump(mode="json")
        stored["checks"]["lighting"]["reasons"] = ["lighting.too_dark"]
        stored["checks"]["network"]["metrics"]["candidate_type"] = "relay"
        result = Result.model_validate(stored, strict=False)
        async with engine.begin() as conn:
            await conn.execute(
                attempts.insert().values(
                    id=result.attempt_id,
                    check_id=check.id,
                    started_at=datetime.now(UTC),
                    finished_at=datetime.now(UTC),
                    overall="warnings",
                    result=result.model_dump(mode="json"),
                    **{column: "warn" for column in STATUS_COLUMNS.values()},
                )
            )
        await migrate(engine)
        assert await current_revision(engine) == HEAD_REVISION
        assert await latest_result(engine, check.id) == result
        assert await latest_feedback(engine, check.id) is None
        async with engine.connect() as conn:
            copied = (
                await conn.execute(
                    sa.select(attempts.c.browser_name, attempts.c.os_name, attempts.c.network_path)
                )
            ).one()
            codes = (await conn.execute(sa.select(attempt_reasons.c.code))).scalars().all()
        assert tuple(copied) == ("Chrome", "Linux", "relay")
        assert codes == ["lighting.too_dark"]
        kept = await get_check(engine, org.id, check.id)
        assert kept is not None
        assert (kept.first_verdict, kept.first_ready_at) == ("warnings", None)
    finally:
        await engine.dispose()


async def test_only_origins_are_stored_and_read_back(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        org = await create_org(
            engine, "Acme", ["https://Vendor.Example:443/", "http://localhost:8080"]
        )
        assert org.allowed_origins == ("https://vendor.example", "http://localhost:8080")
        assert await get_org(engine, org.id) == org
        with pytest.raises(InvalidOrigin):
            await create_org(engine, "Evil", ["https://ok.example", "https://x.example; a b"])
        async with engine.connect() as conn:
            names = (await conn.execute(sa.select(organisations.c.name))).scalars().all()
        assert names == ["Acme"], "a refused origin stores nothing"

        # A row written before origins were validated is read back without what is not one.
        async with engine.begin() as conn:
            await conn.execute(
                organisations.update()
                .where(organisations.c.id == org.id)
                .values(
                    allowed_origins=["https://ok.example", "https://x.example\r\nSet-Cookie: a"]
                )
            )
        reread = await get_org(engine, org.id)
        assert reread is not None
        assert reread.allowed_origins == ("https://ok.example",)
    finally:
        await engine.dispose()


def test_serve_expects_the_newest_migration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`greenroom serve` compares with HEAD_REVISION: it must name the newest migration, and a
    database one migration behind is refused."""
    config = alembic.config.Config()
    config.set_main_option("script_location", "server.store:migrations")
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]

    url = f"sqlite:///{tmp_path / 'old.db'}"

    async def migrate_to_first() -> None:
        engine = create_engine(url)
        try:
            await migrate(engine, "0001")
        finally:
            await engine.dispose()

    asyncio.run(migrate_to_first())
    assert main(["serve", "--database", url]) == 1
    assert "greenroom migrate" in capsys.readouterr().err
