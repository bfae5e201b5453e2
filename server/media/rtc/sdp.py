"""SDP: the browser's offer checked before any peer connection is made for it, and our answer
adjusted before it is applied."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain

from aiortc.sdp import SessionDescription, grouplines

from server.errors import InvalidInput
from server.media.rtc.candidates import CandidatePolicy, keep_allowed
from server.media.rtc.codecs import VIDEO_MIME_TYPE

MAX_MEDIA_PER_KIND = {"audio": 1, "video": 1, "application": 1}
# A browser gathers a handful per section; many more would make us probe addresses a client chose.
MAX_CANDIDATES_PER_SECTION = 20
# Two or three sections of a browser's candidates fit well within it (most are left unbundled).
MAX_CANDIDATES_PER_OFFER = 40
# Bounds on the raw text, checked before aiortc parses it. aiortc's parser is quadratic in places
# (each a=rtcp-fb line is applied to every codec; each a=fmtp line searches the codecs, each a=ssrc
# line the earlier ssrcs): 64 KB of a=rtpmap and a=rtcp-fb:* lines held the event loop for 5 s and
# took 500 MB. A real Chrome offer with H.265 has 27 payload types and ~150 lines in its video
# section (~180 with 20 candidates and simulcast); Firefox and Safari send fewer. The limits leave
# at least twice that room.
MAX_LINE_CHARS = 4096
MAX_SESSION_LINES = 32
MAX_SECTION_LINES = 512
MAX_PAYLOAD_TYPES = 64
MAX_ATTRIBUTES_PER_SECTION = {
    "rtpmap": MAX_PAYLOAD_TYPES,
    "fmtp": MAX_PAYLOAD_TYPES,
    # Browsers send five feedback types per video codec.
    "rtcp-fb": 6 * MAX_PAYLOAD_TYPES,
    "extmap": 32,
    "ssrc": 64,
    "ssrc-group": 16,
}


@dataclass(frozen=True)
class Offer:
    sdp: str
    kinds: frozenset[str]
    """Media kinds the browser offers to send: some of audio, video, application."""


def parse_offer(sdp: str, candidates: CandidatePolicy | None = None) -> Offer:
    """The offer's SDP -> a checked Offer, or a 422 domain error. The Offer's SDP keeps only
    the ICE candidates `candidates` allows (by default: global addresses only)."""
    if not sdp.strip():
        raise InvalidInput("sdp must not be blank", code="invalid_offer")
    check_bounds(sdp)
    try:
        description = SessionDescription.parse(sdp)
    # The SDP is untrusted text and aiortc's parser signals bad input with many exception types.
    except Exception as exc:
        raise InvalidInput("sdp could not be parsed", code="invalid_sdp") from exc
    if any(len(media.ice_candidates) > MAX_CANDIDATES_PER_SECTION for media in description.media):
        raise InvalidInput(
            f"at most {MAX_CANDIDATES_PER_SECTION} ICE candidates per section", code="invalid_sdp"
        )
    if sum(len(media.ice_candidates) for media in description.media) > MAX_CANDIDATES_PER_OFFER:
        raise InvalidInput(
            f"at most {MAX_CANDIDATES_PER_OFFER} ICE candidates per offer", code="invalid_sdp"
        )
    kinds = {media.kind for media in description.media}
    if not kinds & {"audio", "video"}:
        raise InvalidInput("the offer carries neither audio nor video", code="invalid_sdp")
    check_bundle(description)
    check_dtls(description)
    check_video_codec(description)
    return Offer(sdp=keep_allowed(sdp, candidates or CandidatePolicy()), kinds=frozenset(kinds))


def check_video_codec(description: SessionDescription) -> None:
    # We answer VP8 only (codecs.py): an offer without it would get a video section we refuse.
    for media in description.media:
        if media.kind == "video" and not any(
            codec.mimeType.lower() == VIDEO_MIME_TYPE.lower() for codec in media.rtp.codecs
        ):
            raise InvalidInput("the offer's video must include VP8", code="unsupported_codec")


def check_dtls(description: SessionDescription) -> None:
    # aiortc answers an offer without a fingerprint and then fails an assertion in a task of
    # its own when DTLS starts: the session would hang until its timeout.
    for media in description.media:
        if media.dtls is None or not media.dtls.fingerprints:
            raise InvalidInput(
                "each media section needs a=setup and a=fingerprint", code="invalid_sdp"
            )


def check_bundle(description: SessionDescription) -> None:
    # aiortc moves every bundled section onto the transport of the group's first mid. A mid that
    # names no section (a lost m= line merges two sections) leaves them with no transport, and
    # the peer connection then can neither answer nor close. Mids are unique by RFC 8843.
    mids = [media.rtp.muxId for media in description.media]
    if len(set(mids)) < len(mids):
        raise InvalidInput("each media section needs its own a=mid", code="invalid_sdp")
    for group in description.group:
        if group.semantic == "BUNDLE" and not set(group.items) <= set(mids):
            raise InvalidInput(
                "a=group:BUNDLE names a media section the offer does not have", code="invalid_sdp"
            )


def check_bounds(sdp: str) -> None:
    """Refuse SDP whose size alone is absurd, splitting lines and sections as aiortc does."""
    session, sections = grouplines(sdp)
    if any(len(line) > MAX_LINE_CHARS for line in chain(session, *sections)):
        raise InvalidInput(f"sdp lines are at most {MAX_LINE_CHARS} characters", code="invalid_sdp")
    if len(session) > MAX_SESSION_LINES:
        raise InvalidInput(
            f"at most {MAX_SESSION_LINES} lines before the first media section", code="invalid_sdp"
        )
    kinds = Counter(section[0][2:].split(" ", 1)[0] for section in sections)
    for kind, count in kinds.items():
        if kind not in MAX_MEDIA_PER_KIND:
            raise InvalidInput(f"unsupported media section {kind!r}", code="invalid_sdp")
        if count > MAX_MEDIA_PER_KIND[kind]:
            raise InvalidInput(f"at most one {kind} section is accepted", code="invalid_sdp")
    for section in sections:
        check_section_bounds(section)


def check_section_bounds(lines: list[str]) -> None:
    if len(lines) > MAX_SECTION_LINES:
        raise InvalidInput(
            f"at most {MAX_SECTION_LINES} lines per media section", code="invalid_sdp"
        )
    # m=<kind> <port> <proto> <fmt>...
    if len(lines[0].split()) - 3 > MAX_PAYLOAD_TYPES:
        raise InvalidInput(
            f"at most {MAX_PAYLOAD_TYPES} payload types per media section", code="invalid_sdp"
        )
    attributes = Counter(line[2:].split(":", 1)[0] for line in lines if line.startswith("a="))
    for name, limit in MAX_ATTRIBUTES_PER_SECTION.items():
        if attributes[name] > limit:
            raise InvalidInput(
                f"at most {limit} a={name} lines per media section", code="invalid_sdp"
            )
