"""The media benchmark's figures: what every session must meet, and one row per run."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import asdict, dataclass

from server.bench.load import FPS, Seen
from server.media.session.steps import METRICS_INTERVAL, SETTLED_METRICS_INTERVAL

# Conditions every session must meet (docs/benchmarks.md).
MIN_METRICS_RATE = 1.9
"""Live metrics a second at least: the page's meters follow."""
MAX_LAG_P99_MS = 250.0
"""How late a metrics message may come against the session's own rhythm (99th percentile)."""
MIN_FPS_SHARE = 0.9
"""Of the 15 fps sent, the share that must arrive, and come back."""


@dataclass(frozen=True)
class Figures:
    """What the admitted candidates saw, worst case over their sessions in one run."""

    admitted: int
    """Candidates whose offer was answered."""
    refused: int
    """Candidates refused (503) at their offer and at every retry."""
    busy_answers: int
    """503 answers, retries included."""
    session_seconds: float
    """Seconds of admitted sessions watched in the window, summed."""
    metrics_rate_min: float
    metrics_lag_p99_ms: float
    received_fps_min: float
    loopback_fps_min: float | None
    sessions_meeting_all: int
    """Of the admitted."""


@dataclass(frozen=True)
class Report:
    design: str
    mode: str
    admission: str
    """on: by headroom; off: only the fixed cap."""
    sessions: int
    seconds: float
    connected: int
    """Admitted and sending metrics."""
    failures: int
    """Neither connected nor refused: an error, or an admitted session that showed nothing."""
    admitted: int
    refused: int
    busy_answers: int
    refusal_reasons: str
    """The server's refusals by headroom, by reason (`cpu:3 decoding:1`), from its log."""
    session_seconds: float
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
        """Every candidate was admitted or refused, and every admitted one met all conditions."""
        return self.failures == 0 and self.sessions_meeting_all == self.admitted


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def lateness(gap: float) -> float:
    """Seconds a metrics message came late after the one before. The server sends them every
    METRICS_INTERVAL while measuring and every SETTLED_METRICS_INTERVAL after the verdict, and a
    candidate who spends a while at the speakers step sees both: a gap is judged against the
    longer rhythm once it is nearer to it (so a measuring gap up to 75 ms late reads as on time)."""
    settled = gap >= (METRICS_INTERVAL + SETTLED_METRICS_INTERVAL) / 2
    return max(0.0, gap - (SETTLED_METRICS_INTERVAL if settled else METRICS_INTERVAL))


def judge(people: list[Seen], seconds: float, loopback: bool) -> Figures:
    """`seconds`: the window, for candidates watched for all of it. The refused are left out."""
    rates, lags, received, looped, meeting = [], [], [], [], 0
    admitted = [p for p in people if p.admitted]
    watched = 0.0
    for person in admitted:
        arrivals = person.metrics_at
        own = person.seconds or seconds
        watched += own if arrivals else 0.0
        rate = len(arrivals) / own
        gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
        lag = [1000 * lateness(gap) for gap in gaps]
        fps = statistics.median(person.received_fps) if person.received_fps else 0.0
        loop_fps = person.loopback_frames / own
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
        admitted=len(admitted),
        refused=sum(p.refused for p in people),
        busy_answers=sum(p.busy for p in people),
        session_seconds=round(watched, 1),
        metrics_rate_min=round(min(rates, default=0.0), 2),
        metrics_lag_p99_ms=round(p99(lags), 1),
        received_fps_min=round(min(received, default=0.0), 1),
        loopback_fps_min=round(min(looped, default=0.0), 1) if loopback else None,
        sessions_meeting_all=meeting,
    )


COLUMNS = [
    ("design", "design"),
    ("mode", "mode"),
    ("admission", "admission"),
    ("sessions", "N"),
    ("admitted", "admitted"),
    ("refused", "refused"),
    ("busy_answers", "503s"),
    ("refusal_reasons", "why"),
    ("failures", "fail"),
    ("server_core_s_per_session_s", "core-s/s·session"),
    ("server_cpu_pct", "server CPU %"),
    ("rss_per_session_mb", "MB/session"),
    ("metrics_rate_min", "metrics/s min"),
    ("metrics_lag_p99_ms", "lag p99 ms"),
    ("received_fps_min", "recv fps min"),
    ("loopback_fps_min", "loop fps min"),
    ("sessions_meeting_all", "meeting all (of admitted)"),
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


def capacity(reports: list[Report], design: str) -> Report | None:
    """The run of the largest N at which every candidate was admitted and met all conditions,
    with admission control off (or on, where it refused none)."""
    full = [
        r
        for r in reports
        if r.design == design and r.ok and r.refused == 0 and r.admitted == r.sessions
    ]
    ran_off = any(r.design == design and r.admission == "off" for r in reports)
    compared = [r for r in full if r.admission == "off"] if ran_off else full
    return max(compared, key=lambda r: r.sessions, default=None)


def summary(reports: list[Report]) -> list[str]:
    """Capacity per design, what admission admitted against it, and cost at N = 1 and at
    capacity."""
    lines = []
    found: dict[str, Report] = {}
    for design in dict.fromkeys(r.design for r in reports):
        best = capacity(reports, design)
        single = next((r for r in reports if r.design == design and r.sessions == 1), None)
        cost = [] if single is None else [f"{single.server_core_s_per_session_s} at N=1"]
        if best is None:
            lines.append(f"{design}: no N had every candidate meet all conditions")
        else:
            found[design] = best
            cost.append(f"{best.server_core_s_per_session_s} at N={best.sessions} (capacity)")
            lines.append(
                f"{design}: capacity {best.sessions} (admission {best.admission}); "
                f"core-s per session-second {', '.join(cost)}"
            )
        for run in reports:
            if run.design != design or run.admission != "on":
                continue
            share = "" if best is None else f" ({run.admitted / best.sessions:.2f} of capacity)"
            lines.append(
                f"  admission on, N={run.sessions}: admitted {run.admitted}{share}, "
                f"refused {run.refused}, failed {run.failures}, "
                f"admitted meeting all {run.sessions_meeting_all}/{run.admitted}"
            )
    if "naive" in found and "current" in found:
        ratio = found["current"].sessions / found["naive"].sessions
        lines.append(f"capacity, current / naive: {ratio:.1f}x")
    return lines
