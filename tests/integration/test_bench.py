"""`greenroom bench media` and `greenroom bench dashboard`: tiny real runs whose figures must
agree with each other, the pure judgement of what candidates saw, and the dashboard benchmark's
history as the store would have written it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.bench.databases import database_exists
from server.bench.dataset import Population, Shape
from server.bench.load import FPS, Seen
from server.bench.mix import Mix, draw, parse_seconds
from server.bench.report import MAX_LAG_P99_MS, judge
from server.bench.server import GREENROOM
from server.bench.soak import Sample, Soak
from server.bench.timing import percentile, summarise
from server.cli import HEAD_REVISION, parser
from server.models.result import Result
from server.store.schema import STATUS_COLUMNS

POSTGRES_URL = os.environ.get(
    "GREENROOM_TEST_POSTGRES_URL", "postgresql:///test?host=/var/run/postgresql"
)


def steady(seconds: float, rate: float = 2.5, start: float = 1000.0) -> list[float]:
    return [start + i / rate for i in range(int(seconds * rate))]


def test_a_candidate_that_saw_everything_meets_all() -> None:
    seen = Seen(error="", metrics_at=steady(10), received_fps=[15.0] * 8, loopback_frames=150)
    figures = judge([seen], 10, loopback=True)
    assert figures.sessions_meeting_all == 1
    assert figures.metrics_rate_min == 2.5
    assert figures.metrics_lag_p99_ms == 0.0
    assert figures.received_fps_min == FPS
    assert figures.loopback_fps_min == 15.0


def test_both_rhythms_of_the_metrics_are_on_time() -> None:
    # Four a second while measuring, 2.5 a second after the verdict: neither is late.
    measuring = steady(5, rate=4.0)
    arrivals = [*measuring, *steady(5, start=measuring[-1] + 0.4)]
    seen = Seen(error="", metrics_at=arrivals, received_fps=[15.0], loopback_frames=150)
    figures = judge([seen], 10, loopback=True)
    assert figures.metrics_lag_p99_ms == 0.0
    assert figures.sessions_meeting_all == 1


@pytest.mark.parametrize(
    "seen",
    [
        Seen("OfferRefused: 503", [], [], 0),
        Seen("", steady(10, rate=1.5), [15.0], 150),
        Seen("", steady(10), [12.0], 150),
        Seen("", steady(10), [15.0], 100),
        Seen(
            "",
            [*steady(5), *steady(5, start=1000 + 5 + (MAX_LAG_P99_MS + 50) / 1000)],
            [15.0],
            150,
        ),
    ],
    ids=["refused", "few metrics", "slow camera", "slow loopback", "a late message"],
)
def test_a_candidate_short_of_any_condition_does_not_meet_all(seen: Seen) -> None:
    good = Seen("", steady(10), [15.0] * 8, 150)
    figures = judge([good, seen], 10, loopback=True)
    assert figures.sessions_meeting_all == 1


def test_without_the_loopback_only_what_arrives_counts() -> None:
    seen = Seen("", steady(10), [15.0], 0)
    figures = judge([seen], 10, loopback=False)
    assert (figures.sessions_meeting_all, figures.loopback_fps_min) == (1, None)


def test_the_refused_are_counted_apart_and_the_late_on_their_own_time() -> None:
    refused = Seen("", [], [], 0, admitted=False, refused=True, busy=4)
    # Arrived late: watched for 4 s of the 10, at the same rates.
    late = Seen("", steady(4), [15.0] * 8, 60, seconds=4.0, busy=1)
    good = Seen("", steady(10), [15.0] * 8, 150)
    figures = judge([good, late, refused], 10, loopback=True)
    assert (figures.admitted, figures.refused, figures.busy_answers) == (2, 1, 5)
    assert figures.sessions_meeting_all == 2
    assert figures.session_seconds == 14.0
    assert (figures.metrics_rate_min, figures.loopback_fps_min) == (2.5, 15.0)


def test_candidates_arrive_spread_out_and_take_their_time_at_the_speakers() -> None:
    mix = Mix(arrivals_seconds=30, speakers_seconds=parse_seconds("5-20"))
    arrivals = draw(mix, 40, clients=2, seed=1)
    assert arrivals == draw(mix, 40, clients=2, seed=1), "the same for every design"
    offsets = [a.offset for a in arrivals]
    assert offsets == sorted(offsets)
    assert offsets[0] >= 0
    assert offsets[-1] <= 30
    assert offsets[-1] - offsets[0] > 20, "spread, not a burst"
    assert all(5 <= a.speakers_s <= 20 for a in arrivals)
    assert len({a.speakers_s for a in arrivals}) > 30, "drawn per candidate"
    at_once = draw(Mix(), 4, clients=2, seed=1)
    assert [(a.offset, a.speakers_s) for a in at_once] == [(0, 0), (0, 0), (0.05, 0), (0.05, 0)]
    assert parse_seconds("10") == (10.0, 10.0)
    with pytest.raises(ValueError, match="not a range"):
        parse_seconds("20-5")
    args = parser().parse_args(["bench", "media", "--speakers-seconds", "5-20"])
    assert (args.speakers_seconds, args.admission) == ((5.0, 20.0), "on")


def test_the_figures_stay_on_screen_unless_a_file_is_asked_for() -> None:
    assert parser().parse_args(["bench", "media"]).output is None


def test_a_tiny_run_reports_consistent_figures(tmp_path: Path) -> None:
    output = tmp_path / "figures.json"
    run = subprocess.run(
        [
            GREENROOM,
            "bench",
            "media",
            "--sessions",
            "1",
            "--seconds",
            "3",
            "--settle",
            "0.5",
            "--workers",
            "1",
            "--clients",
            "1",
            "--output",
            str(output),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.json"], "nothing else left"
    figures = json.loads(output.read_text())
    assert (figures["workers"], figures["load_processes"]) == (1, 1)
    [report] = figures["runs"]
    assert (report["design"], report["mode"], report["sessions"]) == ("current", "full", 1)
    assert report["connected"] + report["failures"] == 1
    assert report["connected"] == 1, run.stdout
    assert 0 <= report["sessions_meeting_all"] <= report["connected"]
    assert report["admission"] == "on"
    assert (report["admitted"], report["refused"]) == (1, 0)
    assert 0 < report["session_seconds"] <= report["seconds"]
    assert report["server_cpu_pct"] == pytest.approx(
        100 * report["server_core_s_per_session_s"] * report["session_seconds"] / report["seconds"],
        rel=0.01,
    )
    assert report["server_cpu_pct"] > 0, "the server worked for its candidate"
    assert report["ok"] is (report["failures"] == 0 and report["sessions_meeting_all"] == 1)
    assert any("capacity" in line for line in figures["summary"]), figures["summary"]
    assert run.returncode == (0 if report["ok"] else 1)
    assert report["received_fps_min"] > 0
    assert report["loopback_fps_min"] is not None
    assert "meeting all" in run.stdout, "the table is printed"


def soak_sample(sessions: int, total_mb: float) -> Sample:
    return Sample(sessions, 100.0, [total_mb - 100.0], total_mb, [1], 0, 0.0)


def test_a_soak_tells_warm_up_from_growth_per_100_sessions() -> None:
    soaked = Soak(sessions=500, workers=1)
    for sessions, total in [(0, 300.0), (100, 340.0), (300, 341.0), (500, 344.0)]:
        soaked.samples.append(soak_sample(sessions, total))
    assert soaked.growth_first_mb == 40.0
    assert soaked.growth_after_per_100_mb == 1.0
    summary = soaked.summary()
    assert (summary["growth_first_mb"], summary["growth_after_per_100_mb"]) == (40.0, 1.0)
    assert Soak(sessions=100, workers=1).growth_after_per_100_mb == 0.0, "too few samples"


def test_percentiles_are_nearest_rank() -> None:
    twenty = [float(i) for i in range(1, 21)]
    assert (percentile(twenty, 0.5), percentile(twenty, 0.95)) == (10.0, 19.0)
    assert percentile([7.0], 0.95) == 7.0
    timing = summarise([0.001 * i for i in range(1, 21)])
    assert (timing.runs, timing.p50_ms, timing.p95_ms, timing.max_ms) == (20, 10.0, 19.0, 20.0)


def test_the_history_is_what_the_store_would_have_made_of_it() -> None:
    """Every stored result is a valid Result as `record_attempt` writes it, and every check's
    status is its latest attempt's verdict (or not started, or cancelled)."""
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    population = Population(Shape(checks=400, attempts=1200), now)
    checks, attempts, reasons = [], [], set()
    for batch in population.batches(150):
        checks += batch.checks
        attempts += batch.attempts
        reasons |= {(r["attempt_id"], r["check_id"], r["code"]) for r in batch.reasons}
    assert (len(checks), len(attempts)) == (400, 1200)
    assert {c["org_id"] for c in checks} == set(population.org_ids)
    assert any(c["starts_at"] > now for c in checks), "upcoming interviews too"
    latest: dict[str, dict[str, Any]] = {}
    for attempt in attempts:
        result = Result.model_validate(attempt["result"], strict=False)
        assert result.model_dump(mode="json") == attempt["result"]
        assert (result.check_id, result.attempt_id) == (attempt["check_id"], attempt["id"])
        assert result.finished_at == attempt["finished_at"] <= now
        assert attempt["overall"] == result.overall.value
        for name, column in STATUS_COLUMNS.items():
            assert attempt[column] == getattr(result.checks, name).status.value
        assert (attempt["browser_name"], attempt["os_name"]) == (
            result.browser.name,
            result.browser.os,
        )
        assert attempt["network_path"] == result.network_path()
        assert {code for a, _, code in reasons if a == result.attempt_id} == result.reason_codes()
        if attempt["finished_at"] >= latest.get(attempt["check_id"], attempt)["finished_at"]:
            latest[attempt["check_id"]] = attempt
    for check in checks:
        if check["status"] == "cancelled":
            continue
        last: dict[str, Any] | None = latest.get(check["id"])
        if last is None:
            assert check["status"] in ("not_started", "in_progress")
        else:
            assert check["status"] == last["overall"]
    assert sum(1 for c in checks if c["candidate_email"] == population.upcoming_email()) == 1


def test_a_tiny_dashboard_run_reports_sane_figures_and_leaves_nothing(tmp_path: Path) -> None:
    output = tmp_path / "figures.json"
    run = subprocess.run(
        [
            GREENROOM,
            "bench",
            "dashboard",
            "--checks",
            "200",
            "--runs",
            "3",
            "--warmup",
            "1",
            "--verdicts",
            "2",
            "--database",
            "both",
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
    assert run.returncode in (0, 1), run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.json"], "nothing else left"
    figures = json.loads(output.read_text())
    assert (figures["checks"], figures["attempts"]) == (200, 600)
    runs = figures["runs"]
    assert [(r["engine"], r["revision"]) for r in runs] == [
        ("sqlite", HEAD_REVISION),
        ("postgres", HEAD_REVISION),
    ]
    for report in runs:
        cases = {case["case"]: case for case in report["cases"]}
        assert "GET /dashboard" in cases
        assert cases["board, default query"]["rows"] == 50
        assert cases["board, search one address"]["rows"] == 1
        for case in cases.values():
            assert case["runs"] == (2 if "verdicts" in case else 3)
            assert 0 < case["p50_ms"] <= case["p95_ms"] <= case["max_ms"]
            assert case["ok"] is (case["p95_ms"] <= case["target_ms"])
        assert report["plans"]["board, default query"], "the plans are kept"
    for newest in runs:
        live = next(c for c in newest["cases"] if c["case"] == "stored verdict → live row")
        assert live["verdicts"] == 2
        assert live["max_ms"] < 10_000
    assert (runs[0]["seeding"]["checks"], runs[0]["seeding"]["attempts"]) == (200, 600)
    assert not Path(runs[0]["database"]).exists()
    assert not asyncio.run(database_exists(POSTGRES_URL, runs[1]["database"]))
    all_ok = all(case["ok"] for r in runs for case in r["cases"])
    assert figures["ok"] is all_ok
    assert run.returncode == (0 if all_ok else 1)
    assert "stored verdict → live row" in run.stdout, "the table is printed"
    assert "SEARCH checks USING INDEX" in run.stdout, "SQLite's plans are printed"
    assert "Execution Time" in run.stdout, "PostgreSQL's plans are printed"
