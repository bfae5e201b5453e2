"""`POST /c/{token}/offer`: the browser's complete (non-trickle) SDP offer, and our answer."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, StringConstraints

from server.models.base import Body, Contract

MAX_OFFER_BYTES = 64 * 1024


def _zone_or_none(value: object) -> object:
    # The browser's own zone is a courtesy for the recruiter: one this server does not know
    # is dropped rather than failing the candidate's check.
    if not isinstance(value, str):
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


BrowserTimeZone = Annotated[
    Annotated[str, StringConstraints(max_length=64)] | None, BeforeValidator(_zone_or_none)
]


class OfferBody(Body):
    max_bytes = MAX_OFFER_BYTES
    error_code = "invalid_offer"

    sdp: Annotated[str, StringConstraints(min_length=1, max_length=MAX_OFFER_BYTES)]
    type: Literal["offer"]
    time_zone: BrowserTimeZone = None
    """The candidate's IANA zone as their browser reports it, shown to the recruiter."""


class AnswerBody(Contract):
    sdp: str
    type: Literal["answer"] = "answer"
    session_id: str
