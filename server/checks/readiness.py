"""Who is at risk before the call: the rule the dashboard puts first, as a pure function."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from server.models.check import CheckStatus
from server.models.result import Result

SOON = timedelta(hours=2)
"""Within this of the interview, anything but `ready` needs a recruiter's attention."""
TODAY = timedelta(hours=24)
"""Within this, a candidate who has never opened the check is likely to have missed it."""


class Risk(StrEnum):
    NOT_READY_SOON = "not_ready_soon"
    """The interview is within 2 hours and the check is not `ready`."""
    NEVER_STARTED = "never_started"
    """The interview is within 24 hours and the candidate has never started the check."""


def risk(status: CheckStatus, starts_at: datetime, now: datetime) -> Risk | None:
    """Why this check is at risk, or None. Cancelled and past interviews are never at risk."""
    if status == CheckStatus.CANCELLED or starts_at <= now:
        return None
    if starts_at - now <= SOON and status != CheckStatus.READY:
        return Risk.NEVER_STARTED if status == CheckStatus.NOT_STARTED else Risk.NOT_READY_SOON
    if starts_at - now <= TODAY and status == CheckStatus.NOT_STARTED:
        return Risk.NEVER_STARTED
    return None


def reasons(result: Result | None) -> list[str]:
    """The reason codes of an attempt, failures first, each once."""
    if result is None:
        return []
    ordered = sorted(
        (
            (outcome.status.value, code)
            for outcome in result.checks.outcomes()
            for code in outcome.reasons
        ),
        key=lambda pair: {"fail": 0, "warn": 1}.get(pair[0], 2),
    )
    return list(dict.fromkeys(code for _, code in ordered))
