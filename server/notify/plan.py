"""When each reminder of an interview is due: the pure rule behind the reminder rows.

A reminder is due its offset before the interview. When the check is made (or the interview
moved) inside one or more reminders' windows, only the latest of those goes out at once and
the earlier ones are skipped: a candidate never gets a burst of reminders at one moment. No
reminder is due at or after the interview's start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Due:
    offset: timedelta
    at: datetime | None
    """When to send it; None when it is skipped (its window had passed)."""


def due_times(starts_at: datetime, offsets: tuple[timedelta, ...], now: datetime) -> list[Due]:
    """One entry per offset, the longest lead first."""
    ordered = sorted(offsets, reverse=True)
    if starts_at <= now:
        return [Due(offset, None) for offset in ordered]
    passed = [offset for offset in ordered if starts_at - offset <= now]
    latest_passed = min(passed, default=None)
    return [
        Due(offset, starts_at - offset)
        if starts_at - offset > now
        else Due(offset, now if offset == latest_passed else None)
        for offset in ordered
    ]
