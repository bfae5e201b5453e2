"""Validation of a browser's SDP offer before any peer connection is made for it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiortc.sdp import SessionDescription

from server.errors import InvalidInput

MAX_BODY_BYTES = 64 * 1024
MAX_MEDIA_PER_KIND = {"audio": 1, "video": 1, "application": 1}
# A browser gathers a handful per section; many more would make us probe addresses a client chose.
MAX_CANDIDATES_PER_SECTION = 20


@dataclass(frozen=True)
class Offer:
    sdp: str
    kinds: frozenset[str]
    """Media kinds the browser offers to send: some of audio, video, application."""


def parse_offer(data: dict[str, Any]) -> Offer:
    """`{"sdp": "...", "type": "offer"}` -> a checked Offer, or a 4xx domain error."""
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object with sdp and type", code="invalid_offer")
    if data.get("type") != "offer":
        raise InvalidInput('type must be "offer"', code="invalid_offer")
    sdp = data.get("sdp")
    if not isinstance(sdp, str) or not sdp.strip():
        raise InvalidInput("sdp must be a non-empty string", code="invalid_offer")
    unknown = set(data) - {"sdp", "type"}
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}", code="invalid_offer")
    try:
        description = SessionDescription.parse(sdp)
    # The SDP is untrusted text and aiortc's parser signals bad input with many exception types.
    except Exception as exc:
        raise InvalidInput("sdp could not be parsed", code="invalid_sdp") from exc
    kinds = Counter(media.kind for media in description.media)
    for kind, count in kinds.items():
        if kind not in MAX_MEDIA_PER_KIND:
            raise InvalidInput(f"unsupported media section {kind!r}", code="invalid_sdp")
        if count > MAX_MEDIA_PER_KIND[kind]:
            raise InvalidInput(f"at most one {kind} section is accepted", code="invalid_sdp")
    if any(len(media.ice_candidates) > MAX_CANDIDATES_PER_SECTION for media in description.media):
        raise InvalidInput(
            f"at most {MAX_CANDIDATES_PER_SECTION} ICE candidates per section", code="invalid_sdp"
        )
    if not kinds.keys() & {"audio", "video"}:
        raise InvalidInput("the offer carries neither audio nor video", code="invalid_sdp")
    return Offer(sdp=sdp, kinds=frozenset(kinds))
