"""`greenroom bench media`: N concurrent checks against a server started the way users start it.

Prints one table, and with `--output` writes the same figures as JSON. Server CPU and memory
come from /proc (`procfs.py`); everything else is what the candidates saw (`load.py`).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from server.bench import soak
from server.bench.load import Media, Plan, Seen, encode_media
from server.bench.mix import Mix, draw
from server.bench.procfs import cpu_seconds, rss_mb
from server.bench.report import Report, judge, summary, table
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
    mix: Mix = field(default_factory=Mix)
    """How candidates arrive and how long they take at the speakers step."""
    admissions: tuple[str, ...] = ("on",)
    """on: the server admits by headroom; off: by the fixed cap alone; one run per N each."""
    soak: int = 0
    """Short sessions, two at a time, after the runs (`soak.py`)."""
    output: Path | None = None
    """Where to write the figures as JSON, if anywhere."""


def bench_settings(
    sessions: int, workers: int, loopback: str, admission: str = "on"
) -> dict[str, str]:
    return {
        # An upper bound only: with admission on, headroom decides.
        "GREENROOM_MAX_SESSIONS": str(sessions + 4),
        "GREENROOM_ADMISSION": "headroom" if admission == "on" else "cap",
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


async def run(
    design: str, admission: str, sessions: int, options: Options, workdir: Path
) -> Report:
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
        sessions, 0 if naive else workers, "reencode" if naive else "passthrough", admission
    )
    with running_server(workdir, settings) as server:
        async with aiohttp.ClientSession() as http:
            tokens = await create_checks(http, server, sessions)
        await asyncio.sleep(1.0)
        pid = server.process.pid
        rss_idle = rss_mb(pid)
        # Encoding the media takes a moment, then candidates arrive; the window starts once
        # they have connected (at once) or the first has (spread out), and `settle` after. With
        # settle 0 it holds every session's measurement phase (decoding, analysis).
        arrive_from = time.time() + LOAD_START_SECONDS
        arrivals = draw(options.mix, sessions, clients=clients, seed=sessions)
        connecting = 0.06 * sessions / clients if options.mix.arrivals_seconds == 0 else 0.0
        start_at = arrive_from + connecting + settle
        end_at = start_at + options.mix.arrivals_seconds + seconds
        plans = [
            Plan(
                server.base_url,
                tokens[i::clients],
                loopback,
                start_at,
                end_at,
                arrivals=arrivals[i::clients],
                arrive_from=arrive_from,
            )
            for i in range(clients)
            if tokens[i::clients]
        ]
        load = asyncio.create_task(generate_load(plans))
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu_start = cpu_seconds(pid)
        await asyncio.sleep(max(0.0, end_at - time.time()))
        cpu_end = cpu_seconds(pid)
        rss_load = rss_mb(pid)
        people = await load
        reasons = refusal_reasons(server.log())
    window = end_at - start_at
    figures = judge(people, window, loopback)
    connected = sum(1 for p in people if p.admitted and not p.error and p.metrics_at)
    cpu = cpu_end - cpu_start
    return Report(
        design=design,
        mode=mode,
        admission=admission,
        sessions=sessions,
        seconds=round(window, 1),
        connected=connected,
        failures=sessions - connected - figures.refused,
        server_core_s_per_session_s=round(cpu / max(figures.session_seconds, 1e-9), 4),
        server_cpu_pct=round(100 * cpu / window, 1),
        rss_idle_mb=round(rss_idle, 1),
        rss_per_session_mb=round((rss_load - rss_idle) / max(figures.admitted, 1), 1),
        refusal_reasons=reasons,
        **asdict(figures),
    )


REFUSAL = re.compile(r"session refused \(([a-z ]+)\)")


def refusal_reasons(log: str) -> str:
    """How often the server refused by headroom, by reason, from its log (`headroom.py`)."""
    counts = Counter(REFUSAL.findall(log))
    return " ".join(f"{why.replace(' ', '_')}:{n}" for why, n in sorted(counts.items())) or "-"


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
                for admission in options.admissions:
                    with tempfile.TemporaryDirectory() as workdir:
                        report = asyncio.run(run(design, admission, count, options, Path(workdir)))
                    reports.append(report)
                    print(table(reports[-1:]), flush=True)
        if options.soak:
            with tempfile.TemporaryDirectory() as workdir:
                soaked = asyncio.run(run_soak(options.soak, options.workers, media, Path(workdir)))
            print("soak:", json.dumps(soaked.summary()))
    lines = summary(reports) if reports else []
    if reports:
        print()
        print(table(reports))
        print("\n".join(lines))
    if options.output is not None:
        results = {
            "workers": options.workers,
            "load_processes": options.clients,
            "settle_seconds": options.settle,
            "arrivals_seconds": options.mix.arrivals_seconds,
            "speakers_seconds": list(options.mix.speakers_seconds),
            "runs": [{**asdict(report), "ok": report.ok} for report in reports],
            "summary": lines,
            **({"soak": soaked.summary()} if soaked else {}),
        }
        options.output.write_text(json.dumps(results, indent=2))
        print(f"written to {options.output}")
    soak_ok = soaked is None or soaked.failures == 0
    return 0 if soak_ok and all(r.ok for r in reports if r.design == "current") else 1
