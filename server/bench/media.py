"""`greenroom bench media`: N concurrent checks against a server started the way users start it.

Prints one table, and with `--output` writes the same figures as JSON. Server CPU and memory
come from /proc (`procfs.py`); everything else is what the candidates saw (`load.py`).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from server.bench import soak
from server.bench.load import Media, Plan, Seen, encode_media
from server.bench.procfs import cpu_seconds, rss_mb
from server.bench.report import Report, judge, table
from server.bench.server import Server, running_server
from server.media.rtc.internals import host_addresses

LOAD_START_SECONDS = 2.5
"""Encoding the media and connecting take a few seconds before the window can start."""


@dataclass(frozen=True)
class Options:
    sessions: list[int]
    """One run per N."""
    seconds: float
    """Measured seconds per run."""
    mode: str
    """full: the loopback comes back and is counted; analysis: candidates only send."""
    designs: list[str]
    """current, naive (one process that decodes and re-encodes), or both side by side."""
    settle: float
    """Seconds after the last candidate connects before measuring."""
    workers: int
    """The server's media workers."""
    clients: int
    """Load-generator processes."""
    soak: int = 0
    """Short sessions, two at a time, after the runs (`soak.py`)."""
    output: Path | None = None
    """Where to write the figures as JSON, if anywhere."""


def bench_settings(sessions: int, workers: int, loopback: str) -> dict[str, str]:
    return {
        "GREENROOM_MAX_SESSIONS": str(sessions + 4),
        "GREENROOM_MEDIA_WORKERS": str(workers),
        "GREENROOM_LOOPBACK": loopback,
        "GREENROOM_LOG_LEVEL": "WARNING",
    }


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


async def generate_load(plans: list[Plan]) -> list[Seen]:
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
    return [Seen(**seen) for stdout, _ in outputs for seen in json.loads(stdout)]


async def run(design: str, sessions: int, options: Options, workdir: Path) -> Report:
    """One run. The naive design is aiortc's example server: one process, decode, re-encode."""
    seconds, mode, workers, clients = (
        options.seconds,
        options.mode,
        options.workers,
        options.clients,
    )
    settle = options.settle
    loopback = mode == "full"
    naive = design == "naive"
    settings = bench_settings(
        sessions, 0 if naive else workers, "reencode" if naive else "passthrough"
    )
    with running_server(workdir, settings) as server:
        async with aiohttp.ClientSession() as http:
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
    connected = sum(1 for p in people if not p.error and p.metrics_at)
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
        **asdict(figures),
    )


SOAK_CHECKS = 16
"""Checks the soak's sessions take in turn: enough that both workers get their share."""


async def run_soak(sessions: int, workers: int, media: Media, workdir: Path) -> soak.Soak:
    with running_server(workdir, bench_settings(soak.AT_ONCE, workers, "passthrough")) as server:
        async with aiohttp.ClientSession() as http:
            tokens = await create_checks(http, server, SOAK_CHECKS)
        return await soak.soak(server, tokens, media, sessions, workers)


def main(options: Options) -> int:
    media = encode_media()
    reports: list[Report] = []
    soaked: soak.Soak | None = None
    # Server and candidates share this machine: media stays on loopback, as in the tests.
    with host_addresses(("127.0.0.1",)):
        for count in options.sessions:
            for design in options.designs:
                with tempfile.TemporaryDirectory() as workdir:
                    report = asyncio.run(run(design, count, options, Path(workdir)))
                reports.append(report)
                print(table(reports[-1:]), flush=True)
        if options.soak:
            with tempfile.TemporaryDirectory() as workdir:
                soaked = asyncio.run(run_soak(options.soak, options.workers, media, Path(workdir)))
            print("soak:", json.dumps(soaked.summary()))
    if reports:
        print()
        print(table(reports))
    if options.output is not None:
        results = {
            "workers": options.workers,
            "load_processes": options.clients,
            "settle_seconds": options.settle,
            "runs": [{**asdict(report), "ok": report.ok} for report in reports],
            **({"soak": soaked.summary()} if soaked else {}),
        }
        options.output.write_text(json.dumps(results, indent=2))
        print(f"written to {options.output}")
    soak_ok = soaked is None or soaked.failures == 0
    return 0 if soak_ok and all(r.ok for r in reports if r.design == "current") else 1
