"""When a failed delivery is tried again: the schedule of DESIGN.md with jitter, or what the
receiver asked for in `Retry-After`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

RETRIES = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""After the first try, one delay per retry; after the last, the delivery has failed."""
JITTER = 0.1
MAX_RETRY_AFTER = timedelta(hours=24)


def next_try(
    tries: int, now: datetime, retry_after: str | None, rng: random.Random | None = None
) -> datetime | None:
    """After `tries` tries have failed: when to try again, or None when there are no tries left.
    A receiver's `Retry-After` (seconds or an HTTP date, at most a day) replaces the delay."""
    if tries > len(RETRIES):
        return None
    asked = _retry_after(retry_after, now)
    if asked is not None:
        return now + asked
    delay = RETRIES[tries - 1]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return now + delay * (1 + spread)


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    text = value.strip()
    if text.isdigit() and len(text) <= 9:
        asked = timedelta(seconds=int(text))
    else:
        try:
            asked = parsedate_to_datetime(text) - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return min(max(asked, timedelta(0)), MAX_RETRY_AFTER)
