"""What the page may say on the data channel, parsed and bounded. Anything else is dropped."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGE_BYTES = 4096
MAX_KBPS = 1_000_000.0
MAX_TIMING_MS = 600_000.0
BROWSER_TIMINGS = ("media", "gathering", "signalling", "connected")
RELAY_PROTOCOLS = ("udp", "tcp", "tls")


@dataclass(frozen=True)
class Pong:
    seq: int


@dataclass(frozen=True)
class SpeakersAnswer:
    heard: bool


@dataclass(frozen=True)
class Stats:
    """The page's own view: download as it receives the loopback, and how long each phase took."""

    download_kbps: float | None = None
    relay_protocol: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Bye:
    """The page is leaving: end the session now rather than wait for the transport to time out."""


Message = Pong | SpeakersAnswer | Stats | Bye


def parse_message(raw: str | bytes) -> Message | None:
    if isinstance(raw, bytes) or len(raw) > MAX_MESSAGE_BYTES:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    if kind == "pong":
        seq = data.get("seq")
        return Pong(seq) if isinstance(seq, int) and not isinstance(seq, bool) else None
    if kind == "speakers":
        heard = data.get("heard")
        return SpeakersAnswer(heard) if isinstance(heard, bool) else None
    if kind == "stats":
        return _stats(data)
    if kind == "bye":
        return Bye()
    return None


def _stats(data: dict[str, Any]) -> Stats:
    timings = data.get("timings_ms")
    relay = data.get("relay_protocol")
    return Stats(
        download_kbps=_bounded(data.get("download_kbps"), MAX_KBPS),
        relay_protocol=relay if relay in RELAY_PROTOCOLS else None,
        timings_ms={
            name: value
            for name in BROWSER_TIMINGS
            if isinstance(timings, dict)
            and (value := _bounded(timings.get(name), MAX_TIMING_MS)) is not None
        },
    )


def _bounded(value: object, upper: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Compared before converting: a 400-digit JSON integer does not fit in a float.
    if not (isinstance(value, float) and math.isfinite(value)) and not isinstance(value, int):
        return None
    return float(value) if 0 <= value <= upper else None
