"""The media benchmark's figures: what every session must meet, and one row per run."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import asdict, dataclass

from server.bench.load import FPS, Seen

# Conditions every session must meet (docs/benchmarks.md).
MIN_METRICS_RATE = 1.9
"""Live metrics a second at least: the page's meters follow."""
MAX_LAG_P99_MS = 250.0
"""How late a metrics message may come against the session's own rhythm (99th percentile)."""
MIN_FPS_SHARE = 0.9
"""Of the 15 fps sent, the share that must arrive, and come back."""


@dataclass(frozen=True)
class Figures:
    """What the candidates saw, worst case over the sessions of one run."""

    metrics_rate_min: float
    metrics_lag_p99_ms: float
    received_fps_min: float
    loopback_fps_min: float | None
    sessions_meeting_all: int


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


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def judge(people: list[Seen], seconds: float, loopback: bool) -> Figures:
    rates, lags, received, looped, meeting = [], [], [], [], 0
    for person in people:
        arrivals = person.metrics_at
        rate = len(arrivals) / seconds
        gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
        # Lateness against the session's own rhythm (4 Hz while measuring, slower after).
        nominal = statistics.median(gaps) if gaps else 0.0
        lag = [max(0.0, 1000 * (gap - nominal)) for gap in gaps]
        fps = statistics.median(person.received_fps) if person.received_fps else 0.0
        loop_fps = person.loopback_frames / seconds
        rates.append(rate)
        lags += lag
        received.append(fps)
        looped.append(loop_fps)
        good = (
            not person.error
            and rate >= MIN_METRICS_RATE
            and p99(lag) <= MAX_LAG_P99_MS
            and fps >= MIN_FPS_SHARE * FPS
            and (not loopback or loop_fps >= MIN_FPS_SHARE * FPS)
        )
        meeting += good
    return Figures(
        metrics_rate_min=round(min(rates, default=0.0), 2),
        metrics_lag_p99_ms=round(p99(lags), 1),
        received_fps_min=round(min(received, default=0.0), 1),
        loopback_fps_min=round(min(looped, default=0.0), 1) if loopback else None,
        sessions_meeting_all=meeting,
    )


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
