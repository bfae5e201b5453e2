"""`greenroom bench api`, tiny: sane figures for every page before and after the newest
migration, every webhook arrived once and verified, and neither a database nor a server left
behind; and the history's reminders as `plan_reminders` would have left them."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from server.bench.databases import database_exists
from server.bench.dataset import Population, Shape
from server.bench.server import GREENROOM
from server.cli import HEAD_REVISION
from tests.conftest import POSTGRES_URL

CHECKS = 300
DEPTH = 250
WEBHOOKS = 2
BEFORE = "0010"
PAGES = (
    "GET /checks (50)",
    "GET /checks?status=ready (50)",
    "GET /checks?status=in_progress (50)",
    "GET /checks?cursor= deep (50)",
    "GET /checks?limit=200",
)


def processes_naming(names: set[str]) -> list[int]:
    """Processes whose environment names one of the databases (a server gets it there)."""
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


def test_a_tiny_api_run_reports_sane_figures_and_leaves_nothing(tmp_path: Path) -> None:
    output = tmp_path / "figures.json"
    run = subprocess.run(
        [
            GREENROOM,
            "bench",
            "api",
            "--database",
            "both",
            "--postgres-url",
            POSTGRES_URL,
            "--checks",
            str(CHECKS),
            "--runs",
            "3",
            "--warmup",
            "1",
            "--depth",
            str(DEPTH),
            "--webhooks",
            str(WEBHOOKS),
            "--before",
            BEFORE,
            "--output",
            str(output),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stdout + run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.json"], "nothing else left"
    figures = json.loads(output.read_text())
    assert (figures["checks"], figures["attempts"], figures["depth"]) == (CHECKS, 3 * CHECKS, DEPTH)
    runs = figures["runs"]
    assert [(r["engine"], r["revision"]) for r in runs] == [
        ("sqlite", BEFORE),
        ("sqlite", HEAD_REVISION),
        ("postgresql", BEFORE),
        ("postgresql", HEAD_REVISION),
    ]
    for report in runs:
        cases = {case["case"]: case for case in report["cases"]}
        walk = cases[f"walk {DEPTH} deep by the cursor, limit 200"]
        assert walk["pages"] == walk["runs"] == math.ceil(DEPTH / 200)
        for name in PAGES:
            assert cases[name]["runs"] == 3
            assert cases[name]["bytes"] > 0
            assert report["plans"][name], "the plans are kept"
        for case in cases.values():
            assert 0 < case["p50_ms"] <= case["p95_ms"] <= case["max_ms"]
            if case["target_ms"] is not None:
                assert case["ok"] is (case["p95_ms"] <= case["target_ms"])
    before, newest = runs[0], runs[1]
    assert before["seeding"]["checks"] == CHECKS
    assert newest["migrate_s"] is not None
    in_progress = "\n".join(newest["plans"]["GET /checks?status=in_progress (50)"][0])
    assert "ix_checks_org_id_status_starts_at_id" in in_progress, "a status is one range"

    for newest in (runs[1], runs[3]):
        assert newest["webhooks"] == {
            "stored": WEBHOOKS,
            "arrived": WEBHOOKS,
            "verified": WEBHOOKS,
            "duplicates": 0,
            "missing": 0,
            "logged": {"delivered, 1 tries": WEBHOOKS},
        }
        assert newest["server_warnings"] == []
        cases = {case["case"]: case for case in newest["cases"]}
        for name in (
            "stored verdict → webhook received",
            "POST /c/{token}/fallback sent → webhook received",
        ):
            assert cases[name]["webhooks"] == WEBHOOKS
            assert cases[name]["target_ms"] is None
            assert cases[name]["max_ms"] < 5000, "a poll (1 s) and a delivery"
    assert "webhooks" not in runs[0], "sent once the database is at the newest revision"

    assert not Path(runs[0]["database"]).exists()
    assert not asyncio.run(database_exists(POSTGRES_URL, runs[2]["database"]))
    assert processes_naming({runs[0]["database"], runs[2]["database"]}) == []
    all_ok = all(case["ok"] for r in runs[1::2] for case in r["cases"])
    assert figures["ok"] is all_ok
    assert run.returncode == (0 if all_ok else 1)
    assert "stored verdict → webhook received" in run.stdout, "the table is printed"
    assert "SEARCH checks USING INDEX" in run.stdout, "SQLite's plans are printed"
    assert "Execution Time" in run.stdout, "PostgreSQL's plans are printed"


def test_the_history_has_the_reminders_plan_reminders_would_have_left() -> None:
    """Sent when due before now, pending when due later, skipped when their window had passed
    at the check's creation or the check was cancelled; and the people are the same as without
    them."""
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    offsets = (timedelta(hours=24), timedelta(hours=1))
    with_reminders = Population(Shape(checks=300, attempts=900, reminder_offsets=offsets), now)
    without = Population(Shape(checks=300, attempts=900), now)
    checks, reminders = [], []
    for batch in with_reminders.batches(100):
        checks += batch.checks
        reminders += batch.reminders
    plain = [check for batch in without.batches(100) for check in batch.checks]
    assert [c["candidate_email"] for c in checks] == [c["candidate_email"] for c in plain]
    assert all(not batch.reminders for batch in without.batches(100))

    assert Counter(r["check_id"] for r in reminders) == {c["id"]: 2 for c in checks}
    by_check = {check["id"]: check for check in checks}
    for reminder in reminders:
        check = by_check[reminder["check_id"]]
        due = reminder["due_at"]
        if reminder["state"] == "sent":
            assert due <= now
            assert reminder["sent_at"] == due
        elif reminder["state"] == "pending":
            assert due > now
            assert check["status"] != "cancelled"
        else:
            assert reminder["state"] == "skipped"
            assert reminder["last_error"] in ("window_passed", "interview_cancelled")
        if due is not None:
            offset = timedelta(minutes=reminder["offset_minutes"])
            assert due == check["starts_at"] - offset or due == check["created_at"]
    assert {r["state"] for r in reminders} == {"sent", "pending", "skipped"}
