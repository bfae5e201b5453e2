"""How the benchmark's candidates come and stay, like people: they arrive spread over a while,
spend a while in the speakers step (the server decodes their sound and listens for the chime
meanwhile), and then look at their result with the loopback on. Drawn once per run, the same
for every design, so runs compare."""

from __future__ import annotations

import random
from dataclasses import dataclass

CONNECT_SPACING = 0.05
"""Without a spread of arrivals, each load process's candidates connect one by one this far
apart, as a burst of offers."""


@dataclass(frozen=True)
class Mix:
    arrivals_seconds: float = 0.0
    """Candidates arrive at random over this many seconds; 0: one by one at once."""
    speakers_seconds: tuple[float, float] = (0.0, 0.0)
    """Each candidate answers the speakers step after a time drawn from this range; (0, 0):
    at once."""


@dataclass(frozen=True)
class Arrival:
    offset: float
    """Seconds after the first possible arrival."""
    speakers_s: float
    """Seconds in the speakers step before "I heard it"."""


def parse_seconds(text: str) -> tuple[float, float]:
    """`10` or `5-20` as (low, high) seconds."""
    low, _, high = text.partition("-")
    bounds = (float(low), float(high or low))
    if not 0 <= bounds[0] <= bounds[1] <= 3600:
        raise ValueError(f"not a range of seconds: {text!r}")
    return bounds


def draw(mix: Mix, count: int, *, clients: int, seed: int) -> list[Arrival]:
    """One arrival per candidate, in order of arrival. Without a spread, candidate `i` goes to
    load process `i % clients` and each process connects its own one by one."""
    rng = random.Random(seed)
    if mix.arrivals_seconds > 0:
        offsets = sorted(rng.uniform(0, mix.arrivals_seconds) for _ in range(count))
    else:
        offsets = [CONNECT_SPACING * (i // clients) for i in range(count)]
    low, high = mix.speakers_seconds
    return [Arrival(offset, round(rng.uniform(low, high), 2)) for offset in offsets]
