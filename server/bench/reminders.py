"""`greenroom bench reminders`: a burst of due reminders through several servers, and what an
idle server costs while many reminders wait, on throwaway PostgreSQL databases.

Burst: K instances of `greenroom serve` (real processes, `GREENROOM_SCHEDULER_SECONDS=1`) share
a new database; each sends to its own listener of an SMTP server in this process, so every mail
is known by its sender. Once all are up, N checks starting 30-50 minutes ahead, each with its
reminders as `plan_reminders` would have planned them (the 1 h reminder due now, the 24 h one
skipped), are stored in one transaction; the clock runs from its commit to the last mail
received. Duplicates are counted by `Message-ID` and by recipient (every candidate has an
address of their own), and the rows are read afterwards: none may be left pending.

Idle: one instance on another new database holding reminders due days ahead; over the window,
the database's transactions and the scans of the reminders table (pg_stat_*), and the
instance's CPU time and RSS (/proc).

Prints the figures, and with `--output` writes them as JSON. Exits 1 unless every reminder of
the burst arrived once and was marked sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from server.bench.databases import (
    DATABASE_PREFIX,
    analyze,
    insert_many,
    temporary_postgres,
)
from server.bench.mailsink import MailSink, running_sink
from server.bench.pgstats import counters
from server.bench.procfs import cpu_seconds, cpu_seconds_of, machine_ticks, rss_mb
from server.bench.server import Server, running_server
from server.config import Settings
from server.ids import new_id, new_token
from server.models.check import CheckStatus
from server.notify.offsets import parse_offsets
from server.notify.plan import due_times
from server.store.checks import TOKEN_GRACE
from server.store.db import create_engine, migrate
from server.store.orgs import create_org
from server.store.schema import checks, reminders

MAIL_FROM = "Greenroom bench <reminders@bench.example>"
BURST_STARTS = (timedelta(minutes=30), timedelta(minutes=50))
"""Interviews this far ahead: inside the 1 h reminder's window, far from their start."""
IDLE_STARTS = (timedelta(days=3), timedelta(days=10))
"""Interviews this far ahead: even their 24 h reminder is days away."""
IDLE_WARMUP_SECONDS = 5.0
"""After the idle instance answers, before its window: start-up is not idling."""
MARK_WAIT_SECONDS = 30.0
"""After the last mail, how long the rows may take to be marked."""
DURATION_MINUTES = 45
PRESENT = {table.name: set(table.c.keys()) for table in (checks, reminders)}


@dataclass(frozen=True)
class Options:
    postgres_url: str | None
    """A PostgreSQL server to create (and drop) the throwaway databases on."""
    reminders: int = 10_000
    instances: int = 2
    idle_reminders: int = 100_000
    idle_seconds: float = 60.0
    """0 leaves the idle measurement out."""
    timeout: float = 600.0
    """How long the burst may take before it counts as failed."""
    seed: int = 1
    output: Path | None = None

    def problem(self) -> str | None:
        if not self.postgres_url:
            return "--postgres-url is needed: the burst's instances share a PostgreSQL database"
        if not 1 <= self.reminders <= 1_000_000 or not 1 <= self.instances <= 16:
            return "give 1-1000000 reminders and 1-16 instances"
        if self.idle_seconds < 0 or (self.idle_seconds and self.idle_reminders < 0):
            return "idle seconds and idle reminders cannot be negative"
        if self.timeout <= 0:
            return "the timeout must be positive"
        return None


@dataclass(frozen=True)
class Sender:
    instance: int
    mails: int
    cpu_s: float
    """The instance's CPU time from the commit until every row was marked."""
    warnings: int
    """Lines of its log at WARNING or worse (a failed send, a failed claim)."""


@dataclass(frozen=True)
class Burst:
    database: str
    reminders: int
    instances: int
    seed_s: float
    """Storing the checks and their reminder rows (one transaction)."""
    first_mail_s: float | None
    all_received_s: float | None
    """From the commit to the last of the N mails; None when they did not all come."""
    mails_per_s: float | None
    all_marked_s: float | None
    """From the commit until no reminder was pending."""
    received: int
    recipients: int
    duplicates_by_message_id: int
    duplicates_by_recipient: int
    unexpected: int
    """Mails to an address no seeded check has."""
    pending_left: int
    states: dict[str, int]
    transactions_per_mail: float
    machine_busy_pct: float
    """Of all cores, from the commit to the last mail."""
    sink_cpu_s: float
    """This process (the SMTP server) over the same time."""
    postgres_cpu_s: float
    """Every PostgreSQL process on the machine over the same time."""
    senders: list[Sender]

    @property
    def ok(self) -> bool:
        return (
            self.recipients == self.reminders
            and self.duplicates_by_message_id == 0
            and self.duplicates_by_recipient == 0
            and self.unexpected == 0
            and self.pending_left == 0
            and self.states.get("sent", 0) == self.reminders
        )


@dataclass(frozen=True)
class Idle:
    database: str
    reminders: int
    seconds: float
    transactions_per_min: float
    """All of the database's transactions: the scheduler's, the change feed's, pool pings."""
    reminder_scans_per_min: float
    reminder_rows_read_per_min: float
    cpu_s_per_min: float
    rss_mb: float
    mails: int
    """Sent while idle: none is due, so 0."""


def check_row(org_id: str, number: int, starts_at: datetime, now: datetime) -> dict[str, Any]:
    """A check as `create_check` stores it; its candidate's address is theirs alone."""
    check_id = new_id()
    return {
        "id": check_id,
        "org_id": org_id,
        "token": new_token(),
        "token_expires_at": starts_at + timedelta(minutes=DURATION_MINUTES) + TOKEN_GRACE,
        "candidate_name": f"Candidate {number}",
        "candidate_email": candidate_email(number),
        "starts_at": starts_at,
        "time_zone": "Europe/Stockholm",
        "duration_minutes": DURATION_MINUTES,
        "title": "Backend developer",
        "agenda": ["Introductions", "Technical discussion", "Your questions"],
        "interviewers": ["Anna Berg"],
        "join_url": f"https://meet.example.com/{check_id[:10]}",
        "locale": "sv" if number % 2 else "en",
        "status": CheckStatus.NOT_STARTED.value,
        "created_at": now,
        "updated_at": now,
        "calendar_sequence": 0,
    }


def candidate_email(number: int) -> str:
    return f"candidate-{number}@example.org"


Rows = tuple[list[dict[str, Any]], list[dict[str, Any]]]
"""Checks and their reminders."""


def population(
    org_id: str, due: int, starts: tuple[timedelta, timedelta], now: datetime, seed: int
) -> Rows:
    """Checks and their reminder rows, planned by the rule `plan_reminders` follows with the
    server's default lead times, until `due` rows are pending."""
    rng = random.Random(seed)
    offsets = parse_offsets(Settings().reminder_offsets)
    check_rows: list[dict[str, Any]] = []
    reminder_rows: list[dict[str, Any]] = []
    pending = 0
    while pending < due:
        starts_at = (now + starts[0] + (starts[1] - starts[0]) * rng.random()).replace(
            microsecond=0
        )
        check = check_row(org_id, len(check_rows) + 1, starts_at, now)
        check_rows.append(check)
        for planned in due_times(starts_at, offsets, now):
            if planned.at is not None:
                if pending == due:
                    continue
                pending += 1
            reminder_rows.append(
                {
                    "id": new_id(),
                    "check_id": check["id"],
                    "kind": "reminder",
                    "offset_minutes": int(planned.offset.total_seconds() // 60),
                    "state": "skipped" if planned.at is None else "pending",
                    "due_at": planned.at,
                    "lease_until": None,
                    "tries": 0,
                    "last_error": "window_passed" if planned.at is None else None,
                }
            )
    return check_rows, reminder_rows


async def store(engine: AsyncEngine, rows: Rows) -> None:
    """In one transaction, with the planner's statistics (as autovacuum would soon gather)."""
    check_rows, reminder_rows = rows
    async with engine.begin() as conn:
        await insert_many(conn, checks, check_rows, PRESENT)
        await insert_many(conn, reminders, reminder_rows, PRESENT)
        await conn.execute(sa.text("ANALYZE checks, reminders"))


def instance_settings(database_url: str, smtp_url: str) -> dict[str, str]:
    return {
        "GREENROOM_DATABASE_URL": database_url,
        "GREENROOM_SMTP_URL": smtp_url,
        "GREENROOM_MAIL_FROM": MAIL_FROM,
        "GREENROOM_SCHEDULER_SECONDS": "1",
    }


@contextlib.contextmanager
def running_instances(database_url: str, smtp_urls: list[str]) -> Iterator[list[Server]]:
    """`greenroom serve` once per SMTP URL, each in a directory of its own (its log), all up
    before the block starts and all stopped when it ends."""
    with (
        tempfile.TemporaryDirectory(prefix=DATABASE_PREFIX) as directory,
        contextlib.ExitStack() as stack,
    ):
        servers = []
        for number, smtp_url in enumerate(smtp_urls, 1):
            workdir = Path(directory) / f"instance-{number}"
            workdir.mkdir()
            settings = instance_settings(database_url, smtp_url)
            servers.append(stack.enter_context(running_server(workdir, settings)))
        yield servers


async def reminder_states(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(reminders.c.state, sa.func.count()).group_by(reminders.c.state)
        )
        return {state: int(count) for state, count in rows}


def ensure_running(servers: list[Server]) -> None:
    for number, server in enumerate(servers, 1):
        if server.process.poll() is not None:
            raise RuntimeError(f"instance {number} stopped:\n{server.log()[-4000:]}")


def warnings_in(log: str) -> int:
    return sum(1 for line in log.splitlines() if " WARNING " in line or " ERROR " in line)


def duplicates(values: list[str]) -> int:
    return sum(count - 1 for count in Counter(values).values())


async def burst(options: Options, server_url: str) -> Burst:
    now = datetime.now(UTC)
    async with temporary_postgres(server_url) as url:
        database = make_url(url).database or ""
        print(f"burst: {options.reminders} reminders, {options.instances} instances ({database})")
        engine = create_engine(url)
        try:
            with (
                running_sink(options.instances) as (sink, smtp_urls),
                running_instances(url, smtp_urls) as servers,
            ):
                org = await create_org(engine, "Bench organisation", [])
                rows = population(org.id, options.reminders, BURST_STARTS, now, options.seed)
                before = await counters(engine, reminders.name)
                cpu_before = [cpu_seconds(server.process.pid) for server in servers]
                started = time.perf_counter()
                await store(engine, rows)
                committed = time.monotonic()
                seed_s = time.perf_counter() - started
                ticks_before, sink_before = machine_ticks(), time.process_time()
                postgres_before = cpu_seconds_of("postgres")
                received_s = await _all_received(sink, servers, options, committed)
                ticks_after, sink_after = machine_ticks(), time.process_time()
                postgres_s = cpu_seconds_of("postgres") - postgres_before
                marked_s = await _all_marked(engine, committed)
                cpu = [
                    cpu_seconds(server.process.pid) - spent
                    for server, spent in zip(servers, cpu_before, strict=True)
                ]
                states = await reminder_states(engine)
                after = await counters(engine, reminders.name)
                logs = [server.log() for server in servers]
        finally:
            await engine.dispose()
    mails = sink.received()
    expected = {check["candidate_email"] for check in rows[0]}
    by_sender = Counter(mail.sender for mail in mails)
    busy = ticks_after[0] - ticks_before[0]
    total = ticks_after[1] - ticks_before[1]
    return Burst(
        database=database,
        reminders=options.reminders,
        instances=options.instances,
        seed_s=round(seed_s, 2),
        first_mail_s=round(min(m.at for m in mails) - committed, 2) if mails else None,
        all_received_s=None if received_s is None else round(received_s, 2),
        mails_per_s=None if received_s is None else round(options.reminders / received_s, 1),
        all_marked_s=None if marked_s is None else round(marked_s, 2),
        received=len(mails),
        recipients=len({r for mail in mails for r in mail.recipients}),
        duplicates_by_message_id=duplicates([mail.message_id for mail in mails]),
        duplicates_by_recipient=duplicates([r for mail in mails for r in mail.recipients]),
        unexpected=sum(1 for mail in mails for r in mail.recipients if r not in expected),
        pending_left=states.get("pending", 0),
        states=states,
        transactions_per_mail=round((after - before).transactions / max(1, len(mails)), 2),
        machine_busy_pct=round(100 * busy / total, 1) if total else 0.0,
        sink_cpu_s=round(sink_after - sink_before, 2),
        postgres_cpu_s=round(postgres_s, 2),
        senders=[
            Sender(number, by_sender[number], round(spent, 2), warnings_in(log))
            for number, (spent, log) in enumerate(zip(cpu, logs, strict=True), 1)
        ],
    )


async def _all_received(
    sink: MailSink, servers: list[Server], options: Options, committed: float
) -> float | None:
    """Seconds from the commit until every recipient had a mail; None after the timeout."""
    while sink.distinct_recipients() < options.reminders:
        if time.monotonic() - committed > options.timeout:
            return None
        ensure_running(servers)
        await asyncio.sleep(0.02)
    return max(mail.at for mail in sink.received()) - committed


async def _all_marked(engine: AsyncEngine, committed: float) -> float | None:
    deadline = time.monotonic() + MARK_WAIT_SECONDS
    while (await reminder_states(engine)).get("pending", 0):
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.1)
    return time.monotonic() - committed


async def idle(options: Options, server_url: str) -> Idle:
    now = datetime.now(UTC)
    async with temporary_postgres(server_url) as url:
        database = make_url(url).database or ""
        print(f"idle: {options.idle_reminders} future reminders, 1 instance ({database})")
        engine = create_engine(url)
        try:
            await migrate(engine)
            org = await create_org(engine, "Bench organisation", [])
            await store(
                engine, population(org.id, options.idle_reminders, IDLE_STARTS, now, options.seed)
            )
            await analyze(engine)
            with running_sink(1) as (sink, smtp_urls), running_instances(url, smtp_urls) as servers:
                [server] = servers
                await asyncio.sleep(IDLE_WARMUP_SECONDS)
                before = await counters(engine, reminders.name)
                cpu_before, started = cpu_seconds(server.process.pid), time.monotonic()
                await asyncio.sleep(options.idle_seconds)
                ensure_running(servers)
                cpu = cpu_seconds(server.process.pid) - cpu_before
                seconds = time.monotonic() - started
                memory = rss_mb(server.process.pid)
                spent = await counters(engine, reminders.name) - before
                mails = len(sink.received())
        finally:
            await engine.dispose()
    per_min = 60 / seconds
    return Idle(
        database=database,
        reminders=options.idle_reminders,
        seconds=round(seconds, 1),
        transactions_per_min=round(spent.transactions * per_min, 1),
        reminder_scans_per_min=round(spent.scans * per_min, 1),
        reminder_rows_read_per_min=round(spent.rows_read * per_min, 1),
        cpu_s_per_min=round(cpu * per_min, 3),
        rss_mb=round(memory, 1),
        mails=mails,
    )


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


def _seconds(value: float | None) -> str:
    return "did not finish" if value is None else f"{value:.2f} s"


def burst_table(result: Burst) -> str:
    rows = [
        ("seeded (one transaction)", f"{result.seed_s:.2f} s"),
        ("first mail after", _seconds(result.first_mail_s)),
        ("all received after", _seconds(result.all_received_s)),
        ("mails/s", "-" if result.mails_per_s is None else f"{result.mails_per_s:.1f}"),
        ("all marked sent after", _seconds(result.all_marked_s)),
        ("received / distinct recipients", f"{result.received} / {result.recipients}"),
        ("duplicates by Message-ID", str(result.duplicates_by_message_id)),
        ("duplicates by recipient", str(result.duplicates_by_recipient)),
        ("mails to unknown addresses", str(result.unexpected)),
        ("rows left pending", str(result.pending_left)),
        ("rows by state", ", ".join(f"{k} {v}" for k, v in sorted(result.states.items()))),
        ("transactions per mail", f"{result.transactions_per_mail:.2f}"),
        ("machine CPU busy", f"{result.machine_busy_pct:.0f} % of all cores"),
        ("SMTP server (this process) CPU", f"{result.sink_cpu_s:.2f} s"),
        ("PostgreSQL CPU", f"{result.postgres_cpu_s:.2f} s"),
    ]
    for sender in result.senders:
        per_mail = 1000 * sender.cpu_s / sender.mails if sender.mails else 0.0
        rows.append(
            (
                f"instance {sender.instance}",
                f"{sender.mails} mails, CPU {sender.cpu_s:.2f} s ({per_mail:.2f} ms/mail), "
                f"{sender.warnings} warnings",
            )
        )
    return table(rows)


def idle_table(result: Idle) -> str:
    return table(
        [
            ("measured for", f"{result.seconds:.1f} s"),
            ("database transactions/min", f"{result.transactions_per_min:.1f}"),
            ("scans of reminders/min", f"{result.reminder_scans_per_min:.1f}"),
            ("rows read from reminders/min", f"{result.reminder_rows_read_per_min:.1f}"),
            ("instance CPU s/min", f"{result.cpu_s_per_min:.3f}"),
            ("instance RSS", f"{result.rss_mb:.1f} MB"),
            ("mails sent", str(result.mails)),
        ]
    )


async def bench(options: Options) -> tuple[Burst, Idle | None]:
    # A stopped run still stops its servers and drops its databases: SIGTERM ends it as
    # Ctrl-C does.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    assert options.postgres_url is not None
    burst_result = await burst(options, options.postgres_url)
    idle_result = None
    if options.idle_seconds:
        idle_result = await idle(options, options.postgres_url)
    return burst_result, idle_result


def main(options: Options) -> int:
    problem = options.problem()
    if problem is not None:
        print(f"greenroom: {problem}", file=sys.stderr)
        return 2
    try:
        burst_result, idle_result = asyncio.run(bench(options))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Reached after the cleanup: every server stopped, every database dropped.
        print("greenroom: stopped before the end; nothing is left behind", file=sys.stderr)
        return 130
    print(f"\nburst: {burst_result.reminders} reminders, {burst_result.instances} instances")
    print(burst_table(burst_result))
    if idle_result is not None:
        print(f"\nidle: {idle_result.reminders} future reminders, 1 instance")
        print(idle_table(idle_result))
    if options.output is not None:
        figures = {
            "burst": asdict(burst_result) | {"ok": burst_result.ok},
            "idle": None if idle_result is None else asdict(idle_result),
        }
        options.output.write_text(json.dumps(figures, indent=2))
        print(f"written to {options.output}")
    return 0 if burst_result.ok else 1
