"""`POST /c/{token}/offer`: the browser's complete (non-trickle) SDP offer, and our answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from server.models.base import Body, Contract

MAX_OFFER_BYTES = 64 * 1024


class OfferBody(Body):
    max_bytes = MAX_OFFER_BYTES
    error_code = "invalid_offer"

    sdp: Annotated[str, StringConstraints(min_length=1, max_length=MAX_OFFER_BYTES)]
    type: Literal["offer"]


class AnswerBody(Contract):
    sdp: str
    type: Literal["answer"] = "answer"
    session_id: str
