"""An organisation: an employer or a vendor, whose checks and keys are its own."""

from __future__ import annotations

from server.models.base import Contract, Id


class Organisation(Contract):
    id: Id
    name: str
    allowed_origins: tuple[str, ...]
    """Origins that may embed its check page, each exactly as a browser writes an origin."""
    reminder_offsets: str | None = None
    """Its own reminder lead times, e.g. `24h,1h,15m`; None for the server's."""
    reply_to: str | None = None
    """Where candidates' replies to reminders go; None for the sender's address."""
