"""`greenroom bench media`: a tiny real run whose figures must agree with each other, and the
pure judgement of what candidates saw."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from server.bench.load import FPS, Seen
from server.bench.report import MAX_LAG_P99_MS, judge
from server.bench.server import GREENROOM
from server.cli import parser


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
    assert report["server_cpu_pct"] == pytest.approx(
        100 * report["server_core_s_per_session_s"] * report["sessions"], abs=0.1
    )
    assert report["server_cpu_pct"] > 0, "the server worked for its candidate"
    assert report["ok"] is (report["failures"] == 0 and report["sessions_meeting_all"] == 1)
    assert run.returncode == (0 if report["ok"] else 1)
    assert report["received_fps_min"] > 0
    assert report["loopback_fps_min"] is not None
    assert "meeting all" in run.stdout, "the table is printed"
