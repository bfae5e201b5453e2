"""`greenroom bench dashboard`: the recruiter's board and its live rows over a large history.

For each engine: a throwaway database migrated the real way and filled with N checks and their
attempts (`dataset.py`), then, repeated after a warm-up, the board's first page and the insight
over the last 30 and 90 days, through the store and through their routes as a signed-in
recruiter; the plans of their queries; and the time from a verdict stored through the service
layer to the `check` event on an open `/dashboard/events` stream. With `--before REVISION` the
database is first filled at that revision and measured, then migrated to the newest and
measured again, in the same run.

Prints one table, and with `--output` writes the same figures as JSON. Exits 1 when a figure of
the newest schema misses its target (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import random
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from server.bench.databases import analyze, seed, temporary_postgres, temporary_sqlite
from server.bench.dataset import SEARCH_COMMON, Population, Shape
from server.bench.figures import Case, Run, as_json, judged, print_plans, table
from server.bench.plans import plans_of
from server.bench.recruiter import Dashboard, create_recruiter, signed_in
from server.bench.timing import summarise, timed
from server.checks.attempts import record_verdict
from server.models.check import CheckStatus
from server.models.result import Overall, Result
from server.store.board import BoardQuery, board_rows
from server.store.db import create_engine, current_revision, migrate
from server.store.insight import insight
from server.store.schema import attempt_reasons, checks
from server.web.dashboard.forms import BoardFilter, InsightPeriod
from server.web.dashboard.pages import PAGE_ROWS

PAGE_TARGET_MS = 50.0
"""p95 of the board's first page, through the store or the route."""
INSIGHT_TARGET_MS = 300.0
INSIGHT_DAYS = (30, 90)
"""The page's default period, and a quarter."""
INSIGHT_TABLE = attempt_reasons.name
LIVE_TARGET_MS = 1000.0
"""From a stored verdict to the changed row in an open dashboard."""
ZONE = ZoneInfo("Europe/Stockholm")
"""The benchmark's recruiter's time zone (the board's "today" is theirs)."""


@dataclass(frozen=True)
class Options:
    databases: list[str]
    """sqlite, postgres, or both."""
    postgres_url: str | None
    """A PostgreSQL server to create the throwaway database on."""
    checks: int
    attempts: int
    runs: int
    """Timed runs of each query, after the warm-up."""
    warmup: int
    verdicts: int
    """Verdicts stored while a dashboard listens, one at a time."""
    before: str | None = None
    """Fill at this revision and measure it first, then migrate to the newest and measure."""
    seed: int = 1
    output: Path | None = None


def board_queries(population: Population, now: datetime) -> dict[str, BoardQuery]:
    """The board's first pages that are measured, by name: the store's default query, the
    page as the dashboard asks for it (from today in the recruiter's zone), at risk, searches."""
    one = population.upcoming_email()
    return {
        "board, default query": BoardQuery(),
        "board, from today": BoardFilter().query(ZONE, now, limit=PAGE_ROWS + 1),
        "board, at risk": BoardFilter(at_risk=True).query(ZONE, now, limit=PAGE_ROWS),
        f"board, search {SEARCH_COMMON!r}": BoardFilter(search=SEARCH_COMMON).query(
            ZONE, now, limit=PAGE_ROWS + 1
        ),
        "board, search one address": BoardFilter(search=one).query(ZONE, now, limit=PAGE_ROWS + 1),
        "board, search one address, all history": BoardQuery(search=one),
    }


async def measure_board(
    engine: AsyncEngine, population: Population, options: Options, run: Run
) -> None:
    org_id = population.org_ids[0]
    now = datetime.now(UTC)
    for name, query in board_queries(population, now).items():
        operation = functools.partial(board_rows, engine, org_id, query, now)
        timing = await timed(operation, options.runs, options.warmup)
        run.cases.append(Case(name, PAGE_TARGET_MS, timing, len(await operation()), "rows"))
        run.plans[name] = await plans_of(engine, operation)


def insight_period(now: datetime, days: int) -> InsightPeriod:
    """The last `days` days, today included, as the insight page reads them from its form."""
    today = now.astimezone(ZONE).date()
    first = today - timedelta(days=days - 1)
    return InsightPeriod.read({"from": first.isoformat(), "until": today.isoformat()}, today)


async def measure_insight(
    engine: AsyncEngine, population: Population, options: Options, run: Run
) -> None:
    now = datetime.now(UTC)
    for days in INSIGHT_DAYS:
        query = insight_period(now, days).query(ZONE)
        assert query is not None
        operation = functools.partial(insight, engine, population.org_ids[0], query, now)
        timing = await timed(operation, options.runs, options.warmup)
        counted = (await operation()).readiness.candidates
        name = f"insight, last {days} days"
        run.cases.append(Case(name, INSIGHT_TARGET_MS, timing, counted, "interviews"))
        run.plans[name] = await plans_of(engine, operation)


async def measure_pages(
    dashboard: Dashboard, population: Population, options: Options, run: Run, insight_stored: bool
) -> None:
    now = datetime.now(UTC)
    insight_pages = [
        (
            f"GET /dashboard/insight, {days} days",
            "/dashboard/insight?" + urlencode(insight_period(now, days).params()),
            INSIGHT_TARGET_MS,
        )
        for days in INSIGHT_DAYS
    ]
    for name, path, target in (
        ("GET /dashboard", "/dashboard", PAGE_TARGET_MS),
        (
            "GET /dashboard?q=one address",
            "/dashboard?" + urlencode({"q": population.upcoming_email()}),
            PAGE_TARGET_MS,
        ),
        *insight_pages,
    ):
        if "insight" in path and not insight_stored:
            continue
        operation = functools.partial(dashboard.page, path)
        timing = await timed(operation, options.runs, options.warmup)
        run.cases.append(Case(name, target, timing, await operation(), "bytes"))


async def measure_live(
    engine: AsyncEngine, dashboard: Dashboard, population: Population, options: Options
) -> Case:
    """Verdicts stored one at a time while the dashboard listens: each is timed from the call
    that stores it to its `check` event. A random pause between them samples every phase of the
    feed's poll."""
    async with engine.connect() as conn:
        found = await conn.execute(
            sa.select(checks.c.id)
            .where(
                checks.c.org_id == population.org_ids[0],
                checks.c.starts_at > datetime.now(UTC),
                checks.c.status != CheckStatus.CANCELLED.value,
            )
            .order_by(checks.c.starts_at)
            .limit(options.verdicts)
        )
        check_ids = list(found.scalars())
    rng = random.Random(options.seed)
    # Stored the way a media worker stores them: through the service layer, on its own engine,
    # already connected (a worker's pool is warm).
    worker = create_engine(engine.url.render_as_string(hide_password=False))
    seconds = []
    try:
        async with worker.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        async with dashboard.events() as stream:
            for check_id in check_ids:
                await asyncio.sleep(rng.uniform(0.05, 0.35))
                overall = rng.choice(list(Overall))
                judged = population.pool.result(
                    rng, overall, check_id, f"{rng.getrandbits(128):032x}", datetime.now(UTC)
                )
                result = Result.model_validate(judged.result, strict=False)
                stored_at = time.perf_counter()
                await record_verdict(worker, result)
                while True:
                    event = await stream.next("check")
                    if json.loads(event["data"])["check_id"] == check_id:
                        break
                seconds.append(time.perf_counter() - stored_at)
    finally:
        await worker.dispose()
    return Case(
        "stored verdict → live row", LIVE_TARGET_MS, summarise(seconds), len(seconds), "verdicts"
    )


async def measure(
    engine: AsyncEngine,
    url: str,
    population: Population,
    password: str,
    options: Options,
    run: Run,
    *,
    live: bool,
) -> None:
    await measure_board(engine, population, options, run)
    # An older schema may not have what the insight reads yet.
    async with engine.connect() as conn:
        insight_stored = await conn.run_sync(lambda c: sa.inspect(c).has_table(INSIGHT_TABLE))
    if insight_stored:
        await measure_insight(engine, population, options, run)
    async with signed_in(url, password) as dashboard:
        await measure_pages(dashboard, population, options, run, insight_stored)
        if live and options.verdicts:
            run.live = await measure_live(engine, dashboard, population, options)


@contextlib.asynccontextmanager
async def temporary_database(kind: str, options: Options) -> AsyncIterator[str]:
    if kind == "sqlite":
        async with temporary_sqlite() as url:
            yield url
        return
    if not options.postgres_url:
        raise ValueError("--postgres-url is needed for PostgreSQL")
    async with temporary_postgres(options.postgres_url) as url:
        yield url


async def bench_engine(kind: str, options: Options, now: datetime) -> list[Run]:
    population = Population(Shape(checks=options.checks, attempts=options.attempts), now)
    runs = []
    async with temporary_database(kind, options) as url:
        database = make_url(url).database or ""
        engine = create_engine(url)
        try:
            started = time.perf_counter()
            seeding = await seed(engine, population, options.before or "head")
            print(
                f"{kind}: {seeding.checks} checks, {seeding.attempts} attempts in "
                f"{time.perf_counter() - started:.1f} s ({database})",
                flush=True,
            )
            password = await create_recruiter(engine, population.org_ids[0])
            # The history's hundreds of thousands of objects are the benchmark's, not the
            # server's: kept out of the collector's way, a full collection cannot land in a
            # timed run and read as a slow page.
            gc.collect()
            gc.freeze()
            revision = await current_revision(engine) or ""
            run = Run(kind, revision, database, seeding=seeding)
            if options.before:
                await measure(engine, url, population, password, options, run, live=False)
                runs.append(run)
                started = time.perf_counter()
                await migrate(engine)
                migrated = round(time.perf_counter() - started, 2)
                await analyze(engine)
                revision = await current_revision(engine) or ""
                print(f"{kind}: migrated {run.revision} → {revision} in {migrated} s", flush=True)
                run = Run(kind, revision, database, migrate_s=migrated)
            await measure(engine, url, population, password, options, run, live=True)
            runs.append(run)
        finally:
            gc.unfreeze()
            await engine.dispose()
    for done in runs:
        print(table(done), flush=True)
    return runs


async def bench(options: Options) -> list[Run]:
    # A stopped run still drops its PostgreSQL database: SIGTERM ends it as Ctrl-C does.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    now = datetime.now(UTC).replace(microsecond=0)
    runs: list[Run] = []
    for kind in options.databases:
        runs += await bench_engine(kind, options, now)
    return runs


def main(options: Options) -> int:
    runs = asyncio.run(bench(options))
    for run in runs:
        print_plans(run)
    print()
    print(table(*runs))
    if options.output is not None:
        header = {
            "checks": options.checks,
            "attempts": options.attempts,
            "runs_per_case": options.runs,
            "warmup": options.warmup,
        }
        options.output.write_text(json.dumps(as_json(runs, header), indent=2))
        print(f"written to {options.output}")
    return 0 if judged(runs) else 1
