"""A check's reminders as the API and the dashboard show them: what was planned, sent or why not."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from server.models.base import Contract, Timestamp


class ReminderKind(StrEnum):
    REMINDER = "reminder"
    CANCELLATION = "cancellation"


class ReminderStateName(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Refused for good (a permanent SMTP error such as an unknown address), or never got
    through before the interview started."""
    SKIPPED = "skipped"
    """Not to be sent: its window had passed, a later reminder was due too, or the interview
    moved or was cancelled."""


class ReminderView(Contract):
    kind: ReminderKind
    offset_minutes: int = Field(description="How long before the interview; 0 for a cancellation")
    state: ReminderStateName
    due_at: Timestamp | None
    sent_at: Timestamp | None
    tries: int
    last_error: str | None = Field(
        description="Why it was not sent: the mail server's answer when it failed; when skipped, "
        "one of window_passed, later_reminder_due, interview_started, interview_cancelled, "
        "offset_removed"
    )


class Reminders(Contract):
    enabled: bool = Field(description="False when this server has no SMTP settings")
    items: list[ReminderView]
