"""Reminder lead times as people write them: `24h,1h,15m`."""

from __future__ import annotations

import re
from datetime import timedelta

MIN_OFFSET = timedelta(minutes=5)
MAX_OFFSET = timedelta(days=30)
OFFSET = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class InvalidOffsets(ValueError):
    pass


def parse_offsets(texts: tuple[str, ...]) -> tuple[timedelta, ...]:
    """Each `<n>m`, `<n>h` or `<n>d`, from 5 minutes to 30 days, none twice; the earliest
    reminder (the longest lead) first."""
    offsets = []
    for text in texts:
        match = OFFSET.match(text.strip().lower())
        if match is None:
            raise InvalidOffsets(f"reminder offset {text[:20]!r} is not like 24h, 1h or 15m")
        offset = timedelta(**{UNITS[match[2]]: int(match[1])})
        if not MIN_OFFSET <= offset <= MAX_OFFSET:
            raise InvalidOffsets(f"reminder offset {text!r} must be from 5m to 30d")
        if offset in offsets:
            raise InvalidOffsets(f"reminder offset {text!r} is given twice")
        offsets.append(offset)
    return tuple(sorted(offsets, reverse=True))


def offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
