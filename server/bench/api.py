"""`greenroom bench api`: the REST API's list of checks over a large history, and the time from a
stored verdict to its webhook at a vendor's endpoint.

For each engine: a throwaway database migrated the real way and filled with N checks of one
organisation and their attempts and reminders (`dataset.py`), and the real application serving
it on a port of 127.0.0.1 in this process. Over HTTP, with an API key of that organisation,
repeated after a warm-up: the first page, pages filtered by status, a page deep in the list
reached by walking its cursor (the walk's pages are timed too), and a page of 200; and the plans
of the statements behind each page. With `--before REVISION` the database is first filled at
that revision and measured, then migrated to the newest and measured again, in the same run.

Then `greenroom serve` (a real process, `server.py`) on the same database, a webhook for
`check.completed` to an endpoint in this process (`webhooksink.py`), and verdicts stored one at
a time the way a candidate's browser stores one when WebRTC cannot connect
(`POST /c/{token}/fallback`): each timed from the event's own timestamp, written in the
verdict's transaction, to its delivery, verified as a vendor verifies it.

Prints one table, and with `--output` writes the same figures as JSON. Exits 1 when a page of
the newest schema misses its target (docs/benchmarks.md), or a webhook was missing, came twice
or was badly signed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import json
import random
import signal
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from server.app import create_app
from server.bench.databases import (
    DATABASE_PREFIX,
    Seeding,
    analyze,
    seed,
    temporary_postgres,
    temporary_sqlite,
)
from server.bench.dataset import Population, Shape
from server.bench.figures import Case, Run, as_json, judged, print_plans, table
from server.bench.plans import plans_of
from server.bench.server import Server, running_server
from server.bench.timing import summarise, timed
from server.bench.webhooksink import running_webhook_sink
from server.checks.service import CheckService
from server.config import Settings
from server.media.rtc.sdp import Offer
from server.models.listing import CheckListQuery
from server.models.offer import AnswerBody
from server.models.org import Organisation
from server.models.result import Browser
from server.notify.offsets import parse_offsets
from server.store.db import create_engine, current_revision, migrate
from server.store.orgs import create_api_key, get_org
from server.webhooks.deliverer import POLL_SECONDS

LIST = "/api/v1/checks"
PAGE_TARGET_MS = 50.0
"""p95 of a page of the list, over HTTP."""
FILTERED = ("ready", "in_progress")
"""A status most checks with a verdict have, and one a handful have at any time."""
WALK_LIMIT = 200
"""Rows a page while walking the cursor to the deep page: the most the API gives."""
WEBHOOK_WAIT_SECONDS = 30.0
"""Far longer than a poll and a delivery: a webhook this late is counted as missing."""
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
LOCAL_CHECK = {
    "why": "blocked",
    "camera": {
        "frames": 28,
        "duration_s": 3.0,
        "fps": 30,
        "width": 640,
        "height": 480,
        "mean_luma": 120.0,
        "center_luma": 125.0,
        "border_luma": 118.0,
        "overexposed_fraction": 0.0,
        "contrast": 30.0,
    },
    "microphone": {
        "windows": 29,
        "rms_dbfs": -22.0,
        "peak_dbfs": -8.0,
        "noise_floor_dbfs": -70.0,
        "clipping_fraction": 0.0,
    },
}
"""What a candidate's page measured alone: a lit room and a clear voice (`network.blocked`)."""


@dataclass(frozen=True)
class Options:
    databases: list[str]
    """sqlite, postgresql, or both."""
    postgres_url: str | None
    checks: int = 100_000
    attempts: int = 300_000
    runs: int = 50
    """Timed requests of each page, after the warm-up."""
    warmup: int = 5
    depth: int = 50_000
    """Rows before the deep page (walked `WALK_LIMIT` at a time)."""
    webhooks: int = 100
    """Verdicts stored, one at a time, while the endpoint listens; 0 leaves them out."""
    before: str | None = None
    """Fill at this revision and measure the pages first, then migrate to the newest and
    measure again."""
    seed: int = 1
    output: Path | None = None

    def problem(self) -> str | None:
        if "postgresql" in self.databases and not self.postgres_url:
            return "--postgres-url is needed to benchmark PostgreSQL"
        if self.checks < 10 or self.attempts < 0:
            return "give at least 10 checks and no negative attempts"
        if self.runs < 1 or self.warmup < 0 or self.webhooks < 0:
            return "give at least 1 run, and no negative warm-up or webhooks"
        if not 0 < self.depth < self.checks:
            return "the deep page must be inside the list: 0 < depth < checks"
        return None


@dataclass(frozen=True)
class Webhooks:
    """What arrived at the endpoint besides the timings."""

    stored: int
    arrived: int
    verified: int
    duplicates: int
    """Deliveries of a `webhook-id` beyond its first."""
    missing: int
    """Verdicts whose webhook did not come within `WEBHOOK_WAIT_SECONDS`."""
    logged: dict[str, int]
    """The deliveries log (`GET /webhooks/{id}/deliveries`, the latest 100) by state and tries."""

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.duplicates == 0 and self.verified == self.arrived


class NoMedia:
    """The list of checks never reaches media; a service built for its plans gets this."""

    async def answer(self, check_id: str, offer: Offer, browser: Browser) -> AnswerBody:
        raise RuntimeError("the API benchmark starts no media session")

    async def connected(self, check_id: str) -> bool:
        return False

    async def close_check(self, check_id: str) -> None:
        return None

    async def live_sessions(self) -> int:
        return 0


@dataclass
class Api:
    """One organisation's API on a served database, over one keep-alive connection."""

    http: aiohttp.ClientSession
    base_url: str
    api_key: str

    async def get(self, path: str, params: dict[str, str] | None = None) -> bytes:
        url = self.base_url + path
        async with self.http.get(url, params=params, headers=self._auth()) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path} {params}: {response.status} {body[:300]!r}")
        return body

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        url = self.base_url + path
        headers = self._auth() | {"User-Agent": BROWSER}
        async with self.http.post(url, json=body, headers=headers) as response:
            answer = await response.read()
            if response.status not in (200, 201, 202):
                raise RuntimeError(f"POST {path}: {response.status} {answer[:300]!r}")
        return json.loads(answer)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass(frozen=True)
class Page:
    name: str
    params: dict[str, str]


def pages(cursor: str) -> list[Page]:
    """The pages that are timed, by name, with their query."""
    return [
        Page("GET /checks (50)", {}),
        *(Page(f"GET /checks?status={status} (50)", {"status": status}) for status in FILTERED),
        Page("GET /checks?cursor= deep (50)", {"cursor": cursor}),
        Page("GET /checks?limit=200", {"limit": "200"}),
    ]


async def walk(api: Api, depth: int) -> tuple[str, list[float]]:
    """The cursor `depth` rows into the list, as a client gets it (page after page of
    `WALK_LIMIT`), and each page's time."""
    cursor: str | None = None
    seconds, passed = [], 0
    while passed < depth:
        params = {"limit": str(min(WALK_LIMIT, depth - passed))}
        if cursor is not None:
            params["cursor"] = cursor
        started = time.perf_counter()
        body = await api.get(LIST, params)
        seconds.append(time.perf_counter() - started)
        page = json.loads(body)
        passed += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            raise RuntimeError(f"the list ended after {passed} rows, before {depth}")
    assert cursor is not None, "a depth of at least one row"
    return cursor, seconds


async def measure_pages(
    api: Api, engine: AsyncEngine, org: Organisation, options: Options, run: Run
) -> None:
    cursor, walked = await walk(api, options.depth)
    walk_name = f"walk {options.depth} deep by the cursor, limit {WALK_LIMIT}"
    run.cases.append(Case(walk_name, PAGE_TARGET_MS, summarise(walked), len(walked), "pages"))
    for page in pages(cursor):
        operation = functools.partial(api.get, LIST, page.params)
        timing = await timed(operation, options.runs, options.warmup)
        run.cases.append(Case(page.name, PAGE_TARGET_MS, timing, len(await operation()), "bytes"))
    # The plans of what the server's service sends for each page, here on this engine.
    service = CheckService(engine, NoMedia(), Settings())
    for page in pages(cursor):
        query = CheckListQuery.model_validate(page.params)
        run.plans[page.name] = await plans_of(engine, functools.partial(service.page, org, query))


async def measure_webhooks(api: Api, options: Options, run: Run) -> Webhooks:
    """Verdicts stored one at a time through the candidate's fallback, each after a random
    pause of up to one poll (so the deliverer's poll is met at every phase), each waited for
    at the endpoint before the next."""
    rng = random.Random(options.seed)
    async with running_webhook_sink() as sink:
        webhook = await api.post(
            "/api/v1/webhooks", {"url": sink.url, "events": ["check.completed"]}
        )
        sink.secret = webhook["secret"]
        starts_at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        made = [
            await api.post(
                "/api/v1/checks",
                {
                    "candidate": {"name": f"Candidate {n}", "email": f"candidate-{n}@example.org"},
                    "starts_at": starts_at,
                    "duration_minutes": 30,
                    "title": "Backend developer",
                },
            )
            for n in range(options.webhooks)
        ]
        from_event, from_request, missing = [], [], 0
        for check in made:
            await asyncio.sleep(rng.uniform(0, POLL_SECONDS))
            token = check["candidate_url"].rstrip("/").rsplit("/", 1)[1]
            sent = time.time()
            await api.post(f"/c/{token}/fallback", LOCAL_CHECK)
            try:
                arrival = await sink.first_for(check["id"], WEBHOOK_WAIT_SECONDS)
            except TimeoutError:
                missing += 1
                continue
            stored = datetime.fromisoformat(arrival.event["timestamp"]).timestamp()
            from_event.append(arrival.at - stored)
            from_request.append(arrival.at - sent)
        # A second delivery of any of them would have come by now.
        await asyncio.sleep(2 * POLL_SECONDS)
        log = json.loads(await api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries"))
    arrivals = sink.arrivals
    figures = Webhooks(
        stored=len(made),
        arrived=len(arrivals),
        verified=sum(arrival.verified for arrival in arrivals),
        duplicates=len(arrivals) - len({arrival.webhook_id for arrival in arrivals}),
        missing=missing,
        logged=dict(Counter(f"{item['state']}, {item['attempts']} tries" for item in log["items"])),
    )
    if from_event:
        run.cases += [
            Case(
                "stored verdict → webhook received",
                None,
                summarise(from_event),
                len(from_event),
                "webhooks",
            ),
            Case(
                "POST /c/{token}/fallback sent → webhook received",
                None,
                summarise(from_request),
                len(from_request),
                "webhooks",
            ),
        ]
    return figures


@contextlib.asynccontextmanager
async def temporary_database(kind: str, options: Options) -> AsyncIterator[str]:
    if kind == "sqlite":
        async with temporary_sqlite() as url:
            yield url
        return
    assert options.postgres_url is not None
    async with temporary_postgres(options.postgres_url) as url:
        yield url


async def filled(
    engine: AsyncEngine, options: Options, now: datetime, revision: str
) -> tuple[Seeding, str]:
    """The history in one organisation, reminders planned at the server's default lead
    times, at `revision`; how it was loaded and the organisation's id. The population goes
    on return: its objects are the benchmark's, and collecting them must not slow the pages."""
    shape = Shape(
        checks=options.checks,
        attempts=options.attempts,
        org_shares=(1.0,),
        reminder_offsets=parse_offsets(Settings().reminder_offsets),
    )
    population = Population(shape, now, options.seed)
    return await seed(engine, population, revision), population.org_ids[0]


@contextlib.asynccontextmanager
async def served_here(database_url: str, api_key: str) -> AsyncIterator[Api]:
    """The application on the database, listening on a port of 127.0.0.1 in this process
    (unlike `greenroom serve`, it serves an older schema too), and the organisation's API."""
    settings = Settings(database_url=database_url, ice_addresses=("127.0.0.1",))
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield Api(http, str(server.make_url("")).rstrip("/"), api_key)
    finally:
        await server.close()


@contextlib.contextmanager
def serving(database_url: str) -> Iterator[Server]:
    """`greenroom serve` on the database, letting webhooks go to this machine."""
    with tempfile.TemporaryDirectory(prefix=DATABASE_PREFIX) as directory:
        settings = {"GREENROOM_DATABASE_URL": database_url, "GREENROOM_WEBHOOK_ALLOW_PRIVATE": "1"}
        with running_server(Path(directory), settings) as server:
            yield server


@dataclass
class Engine:
    """One engine's runs (a `--before` revision, then the newest), its webhooks and the log of
    the server that sent them."""

    runs: list[Run]
    webhooks: Webhooks | None = None
    log: str = ""


async def bench_engine(kind: str, options: Options, now: datetime) -> Engine:
    async with temporary_database(kind, options) as url:
        database = make_url(url).database or ""
        engine = create_engine(url)
        try:
            started = time.perf_counter()
            seeding, org_id = await filled(engine, options, now, options.before or "head")
            gc.collect()
            print(
                f"{kind}: {seeding.checks} checks, {seeding.attempts} attempts in "
                f"{time.perf_counter() - started:.1f} s ({database})",
                flush=True,
            )
            key = await create_api_key(engine, org_id)
            org = await get_org(engine, org_id)
            assert org is not None
            revision = await current_revision(engine) or ""
            run = Run(kind, revision, database, seeding=seeding)
            done = Engine([run])
            async with served_here(url, key) as api:
                await measure_pages(api, engine, org, options, run)
            if options.before:
                started = time.perf_counter()
                await migrate(engine)
                migrated = round(time.perf_counter() - started, 2)
                await analyze(engine)
                revision = await current_revision(engine) or ""
                print(f"{kind}: migrated {run.revision} → {revision} in {migrated} s", flush=True)
                run = Run(kind, revision, database, migrate_s=migrated)
                done.runs.append(run)
                async with served_here(url, key) as api:
                    await measure_pages(api, engine, org, options, run)
            if options.webhooks:
                with serving(url) as server:
                    async with aiohttp.ClientSession() as http:
                        # As the server's own organisation: the history's list stays as it was.
                        vendor = Api(http, server.base_url, server.api_key)
                        done.webhooks = await measure_webhooks(vendor, options, run)
                    done.log = server.log()
        finally:
            await engine.dispose()
    print(table(*done.runs), flush=True)
    return done


def warnings_in(log: str) -> list[str]:
    return [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line]


async def bench(options: Options) -> list[Engine]:
    # A stopped run still stops its server and drops its database: SIGTERM ends it as Ctrl-C.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    now = datetime.now(UTC).replace(microsecond=0)
    return [await bench_engine(kind, options, now) for kind in options.databases]


def main(options: Options) -> int:
    problem = options.problem()
    if problem is not None:
        print(f"greenroom: {problem}", flush=True)
        return 2
    try:
        engines = asyncio.run(bench(options))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Reached after the cleanup: every server stopped, every database dropped.
        print("greenroom: stopped before the end; nothing is left behind")
        return 130
    runs = [run for done in engines for run in done.runs]
    for run in runs:
        print_plans(run)
    print()
    print(table(*runs))
    for done in engines:
        engine = done.runs[0].engine
        if done.webhooks is not None:
            print(f"{engine} webhooks: {dataclasses.asdict(done.webhooks)}")
        for line in warnings_in(done.log):
            print(f"{engine} server: {line}")
    ok = judged(runs) and all(done.webhooks is None or done.webhooks.ok for done in engines)
    if options.output is not None:
        header = {
            "checks": options.checks,
            "attempts": options.attempts,
            "depth": options.depth,
            "runs_per_case": options.runs,
            "warmup": options.warmup,
        }
        figures = as_json(runs, header)
        newest = {run.engine: entry for run, entry in zip(runs, figures["runs"], strict=True)}
        for done in engines:
            entry = newest[done.runs[0].engine]
            entry["webhooks"] = None if done.webhooks is None else dataclasses.asdict(done.webhooks)
            entry["server_warnings"] = warnings_in(done.log)
        figures["ok"] = ok
        options.output.write_text(json.dumps(figures, indent=2))
        print(f"written to {options.output}")
    return 0 if ok else 1
