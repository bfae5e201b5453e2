"""When each reminder of an interview is due: the pure rule behind the reminder rows.

A reminder is due its offset before the interview. When the check is made (or the interview
moved) inside one or more reminders' windows, only the latest of those goes out at once and
the earlier ones are skipped: a candidate never gets a burst of reminders at one moment. No
reminder is due at or after the interview's start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(minutes=30)


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


SKIPPED_BECAUSE = (
    "window_passed",
    "later_reminder_due",
    "interview_started",
    "interview_cancelled",
    "offset_removed",
)
"""Why a reminder was not sent, as its row keeps it."""


@dataclass(frozen=True)
class Planned:
    """Another reminder of the same check, as the scheduler sees it."""

    offset: timedelta
    state: str
    at: datetime | None


def why_not_send(
    *,
    cancellation: bool,
    offset: timedelta,
    starts_at: datetime,
    cancelled: bool,
    others: list[Planned],
    now: datetime,
) -> str | None:
    """Why a due mail is not to be sent after all (a code from `SKIPPED_BECAUSE`), or None to
    send it. Checked when it is
    taken, because the interview may have moved, started or been cancelled since it was due,
    and a server that was down may find several reminders of one check due at once."""
    if now >= starts_at:
        return "interview_started"
    if cancellation:
        return None
    if cancelled:
        return "interview_cancelled"
    if any(
        other.state == "pending"
        and other.offset < offset
        and other.at is not None
        and other.at <= now
        for other in others
    ):
        return "later_reminder_due"
    return None


def retry_at(tries: int, now: datetime, starts_at: datetime) -> datetime | None:
    """After a temporary failure: 1, 2, 4 … up to 30 minutes later, or None when the interview
    would have started by then."""
    at = now + min(timedelta(minutes=2 ** min(max(tries - 1, 0), 5)), MAX_BACKOFF)
    return at if at < starts_at else None
