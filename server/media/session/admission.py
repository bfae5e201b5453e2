"""Whether a media process takes one more session: the rule, on figures measured elsewhere
(`headroom.py`). Pure, so that the rule can be tested on numbers.

A session costs most in its first seconds: the picture is decoded and analysed for the
measurement window, then the sound is decoded while the speakers step listens for the chime.
After its verdict it only loops back encoded frames, which costs little. So the rule looks at
how busy the process is now (event-loop lag, CPU over the last seconds) and at how many sessions
are still in their decoding window. Sessions admitted in the last seconds have not yet shown up
in the CPU figure (they are still connecting), so each of them is counted as a reserved share of
what a decoding session costs, fading as the CPU window takes in its real cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class AdmissionRules:
    """When a media process refuses a new session."""

    max_sessions: int
    """Never more sessions than this, whatever the headroom (`GREENROOM_MAX_SESSIONS`)."""
    headroom: bool = True
    """False: only `max_sessions` counts (the fixed cap, for comparison)."""
    max_lag_ms: float = 50.0
    """Refuse while the event loop runs this late (time-weighted 90th percentile)."""
    max_cpu: float = 0.8
    """Refuse while the process's CPU over the window, with the reserved share of recent
    admissions and the new session's, would pass this many cores. One Python process uses about
    one core at most (the GIL)."""
    max_decoding: int = 6
    """At most this many sessions in their decoding window (the new one included)."""
    decoding_cpu: float = 0.08
    """What one session in its decoding window is taken to cost, in cores."""
    window_seconds: float = 3.0
    """The CPU figure's window; a session admitted this long ago is in it in full."""


@dataclass(frozen=True)
class Load:
    """What the process measures of itself when an offer arrives."""

    sessions: int
    """Live sessions."""
    decoding: int
    """Live sessions that have no verdict yet: they still decode (picture, then sound)."""
    admitted_ages: tuple[float, ...]
    """Seconds since each session admitted within the window was admitted."""
    lag_ms: float
    """How late the event loop runs (time-weighted 90th percentile over the window)."""
    cpu: float
    """The process's CPU over the window, in cores."""


class Refusal(StrEnum):
    """Why a session was refused."""

    FULL = "full"
    LAG = "event loop lag"
    CPU = "cpu"
    DECODING = "decoding"


def reserved_cpu(rules: AdmissionRules, admitted_ages: tuple[float, ...]) -> float:
    """The cost of recently admitted sessions that the CPU window does not hold yet: a session
    admitted `age` seconds ago is in the window for `age / window` of it."""
    window = rules.window_seconds
    return sum(rules.decoding_cpu * max(0.0, 1.0 - age / window) for age in admitted_ages)


def refusal(rules: AdmissionRules, load: Load) -> Refusal | None:
    """Why the next session is refused, or None to admit it."""
    if load.sessions >= rules.max_sessions:
        return Refusal.FULL
    # An idle process always takes one: nobody is there to protect, and a lag or CPU of its own
    # (start-up, other work in the HTTP process) must not turn every candidate away.
    if not rules.headroom or load.sessions == 0:
        return None
    if load.lag_ms > rules.max_lag_ms:
        return Refusal.LAG
    if load.decoding + 1 > rules.max_decoding:
        return Refusal.DECODING
    projected = load.cpu + reserved_cpu(rules, load.admitted_ages) + rules.decoding_cpu
    if projected > rules.max_cpu:
        return Refusal.CPU
    return None
