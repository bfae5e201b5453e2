"""Throwaway databases for the dashboard benchmark, migrated the real way and filled in bulk.

A SQLite file in a temporary directory, or a PostgreSQL database of its own created beside the
one a URL names; either is gone when the block ends, however it ends.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from server.bench.dataset import Population
from server.store.db import async_url, migrate
from server.store.schema import attempt_reasons, attempts, checks, organisations, reminders

DATABASE_PREFIX = "greenroom_bench_"
BATCH_CHECKS = 2000
"""Checks per insert batch (with their attempts, about three times as many)."""


@contextlib.asynccontextmanager
async def temporary_sqlite() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix=DATABASE_PREFIX) as directory:
        yield f"sqlite:///{Path(directory) / 'greenroom.db'}"


@contextlib.asynccontextmanager
async def temporary_postgres(server_url: str) -> AsyncIterator[str]:
    """A new database on the server `server_url` points to (its own database is only used to
    create and drop this one)."""
    name = DATABASE_PREFIX + secrets.token_hex(6)
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def database_exists(server_url: str, name: str) -> bool:
    admin = create_async_engine(async_url(server_url))
    try:
        async with admin.connect() as conn:
            found = await conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            return found.first() is not None
    finally:
        await admin.dispose()


@dataclass(frozen=True)
class Seeding:
    checks: int
    attempts: int
    migrate_s: float
    insert_s: float
    analyze_s: float
    """PostgreSQL's VACUUM ANALYZE after the load, as autovacuum would run it; 0 on SQLite,
    where the application never runs ANALYZE."""


async def seed(engine: AsyncEngine, population: Population, revision: str = "head") -> Seeding:
    """Migrates an empty database to `revision` and inserts the population in batches."""
    started = time.perf_counter()
    await migrate(engine, revision)
    migrated = time.perf_counter()
    check_count = attempt_count = 0
    async with engine.begin() as conn:
        # What the schema at `revision` has: an older one lacks later tables and columns.
        present = await conn.run_sync(_columns)
        await conn.execute(organisations.insert(), population.organisations())
        for batch in population.batches(BATCH_CHECKS):
            await insert_many(conn, checks, batch.checks, present)
            await insert_many(conn, attempts, batch.attempts, present)
            await insert_many(conn, attempt_reasons, batch.reasons, present)
            await insert_many(conn, reminders, batch.reminders, present)
            check_count += len(batch.checks)
            attempt_count += len(batch.attempts)
    inserted = time.perf_counter()
    await analyze(engine)
    return Seeding(
        checks=check_count,
        attempts=attempt_count,
        migrate_s=round(migrated - started, 2),
        insert_s=round(inserted - migrated, 2),
        analyze_s=round(time.perf_counter() - inserted, 2),
    )


def _columns(conn: sa.Connection) -> dict[str, set[str]]:
    inspector = sa.inspect(conn)
    return {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
    }


async def insert_many(
    conn: AsyncConnection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    present: dict[str, set[str]],
) -> None:
    """One executemany (on PostgreSQL one COPY, each value bound as an INSERT binds it) of the
    columns the database has."""
    if not rows:
        return
    # Columns the rows leave out take their defaults, as they would in an INSERT.
    columns = [
        column
        for column in table.columns
        if column.name in present.get(table.name, ()) and column.name in rows[0]
    ]
    if not columns:
        return
    if conn.dialect.name != "postgresql":
        names = {column.name for column in columns}
        await conn.execute(
            table.insert(), [{k: v for k, v in row.items() if k in names} for row in rows]
        )
        return
    binders = [column.type.bind_processor(conn.dialect) for column in columns]
    records = [
        tuple(
            value if bind is None or value is None else bind(value)
            for bind, value in zip(binders, (row.get(c.name) for c in columns), strict=True)
        )
        for row in rows
    ]
    raw = await conn.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=[column.name for column in columns]
    )


async def analyze(engine: AsyncEngine) -> None:
    """On PostgreSQL, what autovacuum does after a bulk load: statistics for the planner, and
    the visibility map that lets an index answer without the table."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(sa.text("VACUUM ANALYZE"))
