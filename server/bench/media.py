"""`greenroom bench media`: N concurrent checks against a server started the way users start it.

Prints one table and writes the same figures as JSON. Server CPU and memory come from /proc
(`procfs.py`); everything else is what the candidates saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from server.bench.load import FPS, Candidate, Media, Plan, connect, encode_media
from server.bench.procfs import cpu_seconds, rss_mb
from server.media.ice import restrict_host_addresses

GREENROOM = str(Path(sys.executable).parent / "greenroom")
# Conditions every session must meet (issue: media capacity).
MIN_METRICS_RATE = 1.9
MAX_LAG_P99_MS = 250.0
MIN_FPS_SHARE = 0.9
LOAD_START_SECONDS = 2.5


@dataclass(frozen=True)
class Report:
    design: str
    mode: str
    sessions: int
    seconds: float
    connected: int
    failures: int
    server_core_s_per_session_s: float
    server_cpu_pct: float
    rss_idle_mb: float
    rss_per_session_mb: float
    metrics_rate_min: float
    metrics_lag_p99_ms: float
    received_fps_min: float
    loopback_fps_min: float | None
    sessions_meeting_all: int

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.sessions_meeting_all == self.sessions


@dataclass(frozen=True)
class Server:
    base_url: str
    api_key: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(
    sessions: int, workers: int, workdir: Path, loopback: str = "passthrough"
) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "GREENROOM_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "GREENROOM_PORT": str(port),
        "GREENROOM_MAX_SESSIONS": str(sessions + 4),
        "GREENROOM_MEDIA_WORKERS": str(workers),
        "GREENROOM_LOOPBACK": loopback,
        "GREENROOM_ICE_ADDRESSES": "127.0.0.1",
        "GREENROOM_LOG_LEVEL": "WARNING",
    }
    base_url = f"http://127.0.0.1:{port}"
    subprocess.run([GREENROOM, "migrate"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [GREENROOM, "org", "create", "Bench", "--origin", base_url],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    api_key = json.loads(created.stdout)["api_key"]
    with (workdir / "server.log").open("wb") as log:
        process = subprocess.Popen([GREENROOM, "serve"], env=env, stdout=log, stderr=log)
    try:
        yield Server(base_url, api_key, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


async def wait_healthy(http: aiohttp.ClientSession, base_url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(base_url + "/healthz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def create_checks(http: aiohttp.ClientSession, server: Server, count: int) -> list[str]:
    tokens = []
    for i in range(count):
        body = {
            "candidate": {"name": f"Bench {i}", "email": f"bench{i}@example.com"},
            "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "time_zone": "Europe/Stockholm",
            "title": "Benchmark interview",
            "duration_minutes": 30,
        }
        async with http.post(
            server.base_url + "/api/v1/checks",
            json=body,
            headers={"Authorization": f"Bearer {server.api_key}"},
        ) as response:
            created = await response.json()
            if response.status != 201:
                raise RuntimeError(f"could not create a check: {created}")
            tokens.append(created["candidate_url"].rsplit("/", 1)[1])
    return tokens


@contextlib.asynccontextmanager
async def candidates(
    http: aiohttp.ClientSession, server: Server, tokens: list[str], loopback: bool, media: Media
) -> AsyncIterator[list[Candidate]]:
    people = [Candidate(i, loopback) for i in range(len(tokens))]
    try:
        for person, token in zip(people, tokens, strict=True):
            try:
                await connect(http, server.base_url, token, person, media)
            except Exception as exc:
                person.error = f"{type(exc).__name__}: {exc}"
            # Candidates arrive one by one, not in one burst of offers.
            await asyncio.sleep(0.05)
        yield people
    finally:
        await asyncio.gather(*(p.pc.close() for p in people), return_exceptions=True)


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def judge(people: list[dict[str, Any]], seconds: float, loopback: bool) -> dict[str, Any]:
    rates, lags, received, looped, meeting = [], [], [], [], 0
    for person in people:
        arrivals = person["metrics_at"]
        rate = len(arrivals) / seconds
        gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
        # Lateness against the session's own rhythm (4 Hz while measuring, slower after).
        nominal = statistics.median(gaps) if gaps else 0.0
        lag = [max(0.0, 1000 * (gap - nominal)) for gap in gaps]
        fps = statistics.median(person["received_fps"]) if person["received_fps"] else 0.0
        loop_fps = person["loopback_frames"] / seconds
        rates.append(rate)
        lags += lag
        received.append(fps)
        looped.append(loop_fps)
        good = (
            not person["error"]
            and rate >= MIN_METRICS_RATE
            and p99(lag) <= MAX_LAG_P99_MS
            and fps >= MIN_FPS_SHARE * FPS
            and (not loopback or loop_fps >= MIN_FPS_SHARE * FPS)
        )
        meeting += good
    return {
        "metrics_rate_min": round(min(rates, default=0.0), 2),
        "metrics_lag_p99_ms": round(p99(lags), 1),
        "received_fps_min": round(min(received, default=0.0), 1),
        "loopback_fps_min": round(min(looped, default=0.0), 1) if loopback else None,
        "sessions_meeting_all": meeting,
    }


async def generate_load(plans: list[Plan]) -> list[dict[str, Any]]:
    """One load-generator process per plan: a single Python process would hit its own GIL."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.bench.load",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in plans
    ]
    outputs = await asyncio.gather(
        *(
            p.communicate(json.dumps(asdict(plan)).encode())
            for p, plan in zip(processes, plans, strict=True)
        )
    )
    people: list[dict[str, Any]] = []
    for stdout, _ in outputs:
        people += json.loads(stdout)
    return people


async def run(
    design: str,
    sessions: int,
    seconds: float,
    mode: str,
    workers: int,
    clients: int,
    settle: float,
    workdir: Path,
) -> Report:
    """One run. The naive design is aiortc's example server: one process, decode, re-encode."""
    loopback = mode == "full"
    naive = design == "naive"
    with running_server(
        sessions, 0 if naive else workers, workdir, "reencode" if naive else "passthrough"
    ) as server:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, server.base_url)
            tokens = await create_checks(http, server, sessions)
        await asyncio.sleep(1.0)
        pid = server.process.pid
        rss_idle = rss_mb(pid)
        # Encoding the media and connecting take a few seconds; `settle` more and the window
        # starts. With settle 0 it holds every session's measurement phase (decoding, analysis).
        start_at = time.time() + LOAD_START_SECONDS + 0.06 * sessions / clients + settle
        end_at = start_at + seconds
        shares = [tokens[i::clients] for i in range(clients)]
        plans = [
            Plan(server.base_url, share, loopback, start_at, end_at) for share in shares if share
        ]
        load = asyncio.create_task(generate_load(plans))
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu_start = cpu_seconds(pid)
        await asyncio.sleep(max(0.0, end_at - time.time()))
        cpu_end = cpu_seconds(pid)
        rss_load = rss_mb(pid)
        people = await load
    figures = judge(people, seconds, loopback)
    connected = sum(1 for p in people if not p["error"] and p["metrics_at"])
    return Report(
        design=design,
        mode=mode,
        sessions=sessions,
        seconds=seconds,
        connected=connected,
        failures=sessions - connected,
        server_core_s_per_session_s=round((cpu_end - cpu_start) / seconds / sessions, 4),
        server_cpu_pct=round(100 * (cpu_end - cpu_start) / seconds, 1),
        rss_idle_mb=round(rss_idle, 1),
        rss_per_session_mb=round((rss_load - rss_idle) / sessions, 1),
        **figures,
    )


async def soak(cycles: int, media: Media, workdir: Path) -> dict[str, Any]:
    """Connect and disconnect one candidate `cycles` times; memory must come back down."""
    with running_server(1, 0, workdir) as server:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, server.base_url)
            token = (await create_checks(http, server, 1))[0]
            pid = server.process.pid
            # Warm up once, so that one-off imports and caches count as idle.
            async with candidates(http, server, [token], True, media):
                await asyncio.sleep(2.0)
            await asyncio.sleep(1.0)
            rss_idle = rss_mb(pid)
            failures = 0
            for _ in range(cycles):
                async with candidates(http, server, [token], True, media) as people:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(people[0].first_metrics.wait(), 10)
                    failures += not people[0].metrics_at or bool(people[0].error)
            await asyncio.sleep(2.0)
            rss_after = rss_mb(pid)
    return {
        "cycles": cycles,
        "failures": failures,
        "rss_idle_mb": round(rss_idle, 1),
        "rss_after_mb": round(rss_after, 1),
        "rss_growth_mb": round(rss_after - rss_idle, 1),
    }


COLUMNS = [
    ("design", "design"),
    ("mode", "mode"),
    ("sessions", "N"),
    ("failures", "fail"),
    ("server_core_s_per_session_s", "core-s/s·session"),
    ("server_cpu_pct", "server CPU %"),
    ("rss_per_session_mb", "MB/session"),
    ("metrics_rate_min", "metrics/s min"),
    ("metrics_lag_p99_ms", "lag p99 ms"),
    ("received_fps_min", "recv fps min"),
    ("loopback_fps_min", "loop fps min"),
    ("sessions_meeting_all", "meeting all"),
]


def table(reports: list[Report]) -> str:
    rows = [[title for _, title in COLUMNS]]
    for report in reports:
        values = asdict(report)
        rows.append(["-" if values[key] is None else str(values[key]) for key, _ in COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    )


def main(
    sessions: list[int],
    seconds: float,
    mode: str,
    soak_cycles: int,
    output: Path,
    workers: int,
    clients: int,
    designs: list[str],
    settle: float,
) -> int:
    # Server and candidates share this machine: media stays on loopback, as in the tests.
    restrict_host_addresses(("127.0.0.1",))
    media = encode_media()
    reports: list[Report] = []
    results: dict[str, Any] = {
        "workers": workers,
        "load_processes": clients,
        "settle_seconds": settle,
        "runs": [],
    }
    for count in sessions:
        for design in designs:
            with tempfile.TemporaryDirectory() as workdir:
                report = asyncio.run(
                    run(design, count, seconds, mode, workers, clients, settle, Path(workdir))
                )
            reports.append(report)
            results["runs"].append({**asdict(report), "ok": report.ok})
            print(table(reports[-1:]), flush=True)
    if soak_cycles:
        with tempfile.TemporaryDirectory() as workdir:
            results["soak"] = asyncio.run(soak(soak_cycles, media, Path(workdir)))
        print("soak:", json.dumps(results["soak"]))
    print()
    print(table(reports))
    output.write_text(json.dumps(results, indent=2))
    print(f"written to {output}")
    return 0 if all(r.ok for r in reports if r.design == "current") else 1
