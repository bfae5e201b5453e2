"""`greenroom bench reminders`, tiny: every reminder of the burst arrives once and is marked,
the idle server sends nothing, and neither a database nor a server is left behind."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.bench.server import GREENROOM
from server.store.db import create_engine

POSTGRES_URL = os.environ.get(
    "GREENROOM_TEST_POSTGRES_URL", "postgresql:///test?host=/var/run/postgresql"
)


async def databases() -> set[str]:
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            return set((await conn.execute(sa.text("SELECT datname FROM pg_database"))).scalars())
    finally:
        await engine.dispose()


def processes_using(names: set[str]) -> list[int]:
    """Processes whose environment names one of the databases (the servers get it there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environment = (entry / "environ").read_bytes()
            except OSError:
                continue
            if any(name.encode() in environment for name in names):
                found.append(int(entry.name))
    return found


def test_a_tiny_reminders_run_reports_sane_figures_and_leaves_nothing(tmp_path: Path) -> None:
    output = tmp_path / "figures.json"
    run = subprocess.run(
        [
            GREENROOM,
            "bench",
            "reminders",
            "--reminders",
            "200",
            "--instances",
            "2",
            "--idle-reminders",
            "1000",
            "--idle-seconds",
            "3",
            "--postgres-url",
            POSTGRES_URL,
            "--output",
            str(output),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.json"], "nothing else left"
    figures = json.loads(output.read_text())
    burst, idle = figures["burst"], figures["idle"]
    assert burst["ok"] is True
    assert (burst["received"], burst["recipients"], burst["unexpected"]) == (200, 200, 0)
    assert burst["duplicates_by_message_id"] == burst["duplicates_by_recipient"] == 0
    assert burst["pending_left"] == 0
    # Each check's 1 h reminder was due; its 24 h one had been skipped when it was planned.
    assert burst["states"] == {"sent": 200, "skipped": 200}
    assert [s["instance"] for s in burst["senders"]] == [1, 2]
    assert sum(s["mails"] for s in burst["senders"]) == 200
    assert all(s["warnings"] == 0 for s in burst["senders"])
    assert 0 < burst["first_mail_s"] <= burst["all_received_s"] <= burst["all_marked_s"]
    assert burst["mails_per_s"] == pytest.approx(200 / burst["all_received_s"], rel=0.02)
    assert burst["transactions_per_mail"] > 0
    assert idle["reminders"] == 1000
    assert idle["mails"] == 0, "nothing is due for days"
    assert idle["transactions_per_min"] > 0
    assert idle["cpu_s_per_min"] > 0
    assert idle["rss_mb"] > 0
    names = {burst["database"], idle["database"]}
    assert all(name.startswith("greenroom_bench_") for name in names)
    assert not names & asyncio.run(databases()), "the throwaway databases are dropped"
    assert processes_using(names) == [], "every server is stopped"
    assert "all received after" in run.stdout, "the table is printed"
