"""An organisation: an employer or a vendor, whose checks and keys are its own."""

from __future__ import annotations

from server.models.base import Contract, Id


class Organisation(Contract):
    id: Id
    name: str
    allowed_origins: tuple[str, ...]
    """Origins that may embed its check page, each exactly as a browser writes an origin."""
