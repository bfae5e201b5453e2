"""Validation of the browser's SDP offer, with real offers from an in-process aiortc peer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from server.errors import InvalidInput
from server.media.rtc import sdp as offers
from server.media.rtc.sdp import (
    MAX_ATTRIBUTES_PER_SECTION,
    MAX_CANDIDATES_PER_SECTION,
    MAX_LINE_CHARS,
    MAX_PAYLOAD_TYPES,
    MAX_SECTION_LINES,
    MAX_SESSION_LINES,
    Offer,
)
from server.models.base import decode
from server.models.offer import OfferBody


def parse_offer(data: Any) -> Offer:
    """As `POST /c/{token}/offer` reads its JSON body: the envelope, then the SDP in it."""
    body = decode(OfferBody, json.dumps(data), code=OfferBody.error_code)
    return offers.parse_offer(body.sdp)


async def make_sdp(*kinds: str, data_channel: bool = True) -> str:
    """An offer as aiortc writes it; the peer connection is closed before returning."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        for kind in kinds:
            pc.addTransceiver(kind)
        if data_channel:
            pc.createDataChannel("x")
        await pc.setLocalDescription(await pc.createOffer())
        return pc.localDescription.sdp
    finally:
        await pc.close()


def rejects(data: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_offer(data)
    assert caught.value.status == 422
    return caught.value


async def test_a_real_offer_passes() -> None:
    sdp = await make_sdp("video", "audio")
    offer = parse_offer({"sdp": sdp, "type": "offer"})
    assert offer.sdp == sdp
    assert offer.kinds == {"video", "audio", "application"}


@pytest.mark.parametrize("kind", ["audio", "video"])
async def test_an_offer_with_one_kind_of_media_passes(kind: str) -> None:
    offer = parse_offer({"sdp": await make_sdp(kind, data_channel=False), "type": "offer"})
    assert offer.kinds == {kind}


@pytest.mark.parametrize("data", [None, [], "offer", 42])
def test_not_a_dict(data: Any) -> None:
    rejects(data)


@pytest.mark.parametrize(
    "data",
    [
        {"sdp": "v=0"},
        {"sdp": "v=0", "type": "answer"},
        {"sdp": "v=0", "type": "OFFER"},
        {"sdp": "v=0", "type": 1},
        {"sdp": "v=0", "type": None},
    ],
)
def test_type_must_be_offer(data: dict[str, Any]) -> None:
    assert rejects(data).code == "invalid_offer"


@pytest.mark.parametrize("sdp", [None, "", " \r\n ", 123, ["v=0"], {"v": 0}])
def test_sdp_must_be_a_non_empty_string(sdp: Any) -> None:
    assert rejects({"sdp": sdp, "type": "offer"}).code == "invalid_offer"


def test_missing_sdp() -> None:
    assert rejects({"type": "offer"}).code == "invalid_offer"


async def test_unknown_fields_are_rejected_by_name() -> None:
    data = {"sdp": await make_sdp("video", "audio"), "type": "offer", "video": True, "a": 1}
    error = rejects(data)
    assert error.code == "invalid_offer"
    assert error.message == "unknown fields: a, video"


@pytest.mark.parametrize(
    "sdp",
    [
        pytest.param("hello", id="not-sdp"),
        pytest.param("v=0\r\nm=video", id="truncated-m-line"),
        pytest.param("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", id="no-media"),
        pytest.param("\x00\xff" * 100, id="binary"),
    ],
)
def test_garbage_sdp(sdp: str) -> None:
    assert rejects({"sdp": sdp, "type": "offer"}).code == "invalid_sdp"


@pytest.mark.parametrize(
    "kinds", [("video", "video"), ("audio", "audio"), ("video", "audio", "video")]
)
async def test_two_sections_of_one_kind(kinds: tuple[str, ...]) -> None:
    error = rejects({"sdp": await make_sdp(*kinds), "type": "offer"})
    assert error.code == "invalid_sdp"
    assert "at most one" in error.message


async def test_only_a_data_channel() -> None:
    error = rejects({"sdp": await make_sdp(), "type": "offer"})
    assert error.code == "invalid_sdp"
    assert error.message == "the offer carries neither audio nor video"


async def test_unsupported_media_section() -> None:
    sdp = await make_sdp("audio", data_channel=False)
    sdp += "m=text 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:9\r\n"
    error = rejects({"sdp": sdp, "type": "offer"})
    assert error.code == "invalid_sdp"
    assert "'text'" in error.message


async def test_an_offer_with_too_many_candidates_is_refused() -> None:
    sdp = await make_sdp("video", "audio")
    extra = "".join(
        f"a=candidate:{i} 1 udp 2122260223 127.0.0.1 {40000 + i} typ host\r\n" for i in range(21)
    )
    first_media = min(sdp.index("m=audio"), sdp.index("m=video"))
    after_first_line = sdp.index("\r\n", first_media) + 2
    flooded = sdp[:after_first_line] + extra + sdp[after_first_line:]
    error = rejects({"sdp": flooded, "type": "offer"})
    assert error.code == "invalid_sdp"
    assert "candidates" in error.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("a=mid:0\r\n", "a=mid:7\r\n", id="first-mid-renamed"),
        pytest.param("a=mid:1\r\n", "", id="a-mid-removed"),
        pytest.param("a=group:BUNDLE 0 1 2", "a=group:BUNDLE 9 0 1 2", id="group-names-more"),
    ],
)
async def test_a_bundle_group_must_name_the_offers_sections(old: str, new: str) -> None:
    sdp = await make_sdp("video", "audio")
    assert old in sdp
    error = rejects({"sdp": sdp.replace(old, new, 1), "type": "offer"})
    assert error.code == "invalid_sdp"
    assert error.message == "a=group:BUNDLE names a media section the offer does not have"


async def test_a_lost_m_line_merges_two_sections_and_is_refused() -> None:
    # Found by the offer fuzz: the audio lines join the video section, whose mid becomes 1, and
    # aiortc could then neither answer nor close the peer connection.
    sdp = await make_sdp("video", "audio")
    m_line = next(line for line in sdp.splitlines() if line.startswith("m=audio"))
    error = rejects({"sdp": sdp.replace(m_line + "\r\n", ""), "type": "offer"})
    assert error.code == "invalid_sdp"
    assert "BUNDLE" in error.message


async def test_each_section_needs_its_own_mid() -> None:
    sdp = await make_sdp("video", "audio")
    twice = sdp.replace("a=mid:1\r\n", "a=mid:0\r\n").replace("BUNDLE 0 1 2", "BUNDLE 0 2")
    error = rejects({"sdp": twice, "type": "offer"})
    assert error.code == "invalid_sdp"
    assert error.message == "each media section needs its own a=mid"


@pytest.mark.parametrize("attribute", ["a=fingerprint:", "a=setup:"])
async def test_each_section_needs_its_dtls_fingerprint_and_setup(attribute: str) -> None:
    # Found by the offer fuzz: without a fingerprint aiortc answers, then an assertion fails
    # in its own task when DTLS starts and the session hangs until its timeout.
    sdp = await make_sdp("video", "audio")
    audio = sdp.index("m=audio")
    section = sdp[audio:]
    kept = "".join(line for line in section.splitlines(keepends=True) if attribute not in line)
    assert kept != section
    error = rejects({"sdp": sdp[:audio] + kept, "type": "offer"})
    assert error.code == "invalid_sdp"
    assert error.message == "each media section needs a=setup and a=fingerprint"


def video_section(sdp: str) -> list[str]:
    start = sdp.index("m=video")
    end = sdp.find("\r\nm=", start)
    return sdp[start : None if end < 0 else end].splitlines()


def add_to_video(sdp: str, lines: list[str]) -> str:
    """`sdp` with `lines` right after the video m= line."""
    after_m_line = sdp.index("\r\n", sdp.index("m=video")) + 2
    return sdp[:after_m_line] + "".join(f"{line}\r\n" for line in lines) + sdp[after_m_line:]


def count_attribute(lines: list[str], name: str) -> int:
    return sum(
        line.startswith((f"a={name}:", f"a={name} ")) or line == f"a={name}" for line in lines
    )


def attribute_line(name: str, i: int) -> str:
    """The i-th extra `a=name` line, one aiortc can parse in a section whose codecs include 97."""
    return {
        "rtpmap": f"a=rtpmap:{i % 128} X/90000",
        "fmtp": f"a=fmtp:97 x-{i}=1",
        "rtcp-fb": "a=rtcp-fb:* nack",
        "extmap": f"a=extmap:{i % 255 + 1} urn:x-greenroom:{i}",
        "ssrc": f"a=ssrc:{i + 1} cname:x",
        "ssrc-group": f"a=ssrc-group:FID {i + 1} {i + 2}",
    }[name]


@pytest.mark.parametrize("name", sorted(MAX_ATTRIBUTES_PER_SECTION))
@pytest.mark.parametrize("over", [0, 1], ids=["at-limit", "over-limit"])
async def test_attribute_lines_per_section_are_bounded(name: str, over: int) -> None:
    sdp = await make_sdp("video", "audio")
    limit = MAX_ATTRIBUTES_PER_SECTION[name]
    missing = limit + over - count_attribute(video_section(sdp), name)
    padded = add_to_video(sdp, [attribute_line(name, i) for i in range(missing)])
    assert count_attribute(video_section(padded), name) == limit + over
    if over:
        error = rejects({"sdp": padded, "type": "offer"})
        assert error.code == "invalid_sdp"
        assert error.message == f"at most {limit} a={name} lines per media section"
    else:
        parse_offer({"sdp": padded, "type": "offer"})


@pytest.mark.parametrize("over", [0, 1], ids=["at-limit", "over-limit"])
async def test_lines_per_section_are_bounded(over: int) -> None:
    sdp = await make_sdp("video", "audio")
    missing = MAX_SECTION_LINES + over - len(video_section(sdp))
    padded = add_to_video(sdp, ["a=x-padding"] * missing)
    if over:
        error = rejects({"sdp": padded, "type": "offer"})
        assert error.code == "invalid_sdp"
        assert error.message == f"at most {MAX_SECTION_LINES} lines per media section"
    else:
        parse_offer({"sdp": padded, "type": "offer"})


@pytest.mark.parametrize("over", [0, 1], ids=["at-limit", "over-limit"])
async def test_session_lines_are_bounded(over: int) -> None:
    sdp = await make_sdp("video", "audio")
    session, media = sdp.split("\r\nm=", 1)
    missing = MAX_SESSION_LINES + over - len(session.splitlines())
    padded = session + "\r\na=x-padding" * missing + "\r\nm=" + media
    if over:
        error = rejects({"sdp": padded, "type": "offer"})
        assert error.code == "invalid_sdp"
        assert error.message == f"at most {MAX_SESSION_LINES} lines before the first media section"
    else:
        parse_offer({"sdp": padded, "type": "offer"})


@pytest.mark.parametrize("over", [0, 1], ids=["at-limit", "over-limit"])
async def test_payload_types_per_section_are_bounded(over: int) -> None:
    sdp = await make_sdp("video", "audio")
    m_line = video_section(sdp)[0]
    formats = " ".join(str(pt) for pt in range(MAX_PAYLOAD_TYPES + over))
    padded = sdp.replace(m_line, "m=video 9 UDP/TLS/RTP/SAVPF " + formats)
    if over:
        error = rejects({"sdp": padded, "type": "offer"})
        assert error.code == "invalid_sdp"
        assert error.message == f"at most {MAX_PAYLOAD_TYPES} payload types per media section"
    else:
        parse_offer({"sdp": padded, "type": "offer"})


@pytest.mark.parametrize("section", ["session", "video"])
@pytest.mark.parametrize("over", [0, 1], ids=["at-limit", "over-limit"])
async def test_line_length_is_bounded(section: str, over: int) -> None:
    sdp = await make_sdp("video", "audio")
    line = "a=x-padding:" + "x" * (MAX_LINE_CHARS + over - len("a=x-padding:"))
    if section == "session":
        padded = sdp.replace("\r\nt=0 0\r\n", f"\r\nt=0 0\r\n{line}\r\n", 1)
    else:
        padded = add_to_video(sdp, [line])
    assert line in padded.splitlines()
    if over:
        error = rejects({"sdp": padded, "type": "offer"})
        assert error.code == "invalid_sdp"
        assert error.message == f"sdp lines are at most {MAX_LINE_CHARS} characters"
    else:
        parse_offer({"sdp": padded, "type": "offer"})


async def test_an_offer_as_large_as_chromes_passes() -> None:
    # The shape of a Chrome offer with H.265 and three simulcast layers: 13 codecs, each with an
    # RTX payload type, plus RED and ULPFEC; five feedback types a codec; 11 header extensions.
    sdp = await make_sdp("video", "audio")
    codecs = list(range(35, 48))
    rtx = list(range(108, 121))
    lines = [f"a=extmap:{i} urn:x-greenroom:{i}" for i in range(1, 12)]
    for pt, retransmit in zip(codecs, rtx, strict=True):
        lines += [f"a=rtpmap:{pt} VP8/90000"]
        lines += [f"a=rtcp-fb:{pt} {fb}" for fb in ("goog-remb", "transport-cc", "ccm fir")]
        lines += [f"a=rtcp-fb:{pt} nack", f"a=rtcp-fb:{pt} nack pli", f"a=fmtp:{pt} x=1"]
        lines += [f"a=rtpmap:{retransmit} rtx/90000", f"a=fmtp:{retransmit} apt={pt}"]
    lines += ["a=rtpmap:123 red/90000", "a=rtpmap:125 ulpfec/90000"]
    lines += [f"a=ssrc-group:FID {i} {i + 100}" for i in range(1, 4)]
    lines += [
        f"a=ssrc:{i} {attr}:x" for i in (1, 2, 3, 101, 102, 103) for attr in ("cname", "msid")
    ]
    lines += [
        f"a=candidate:{i} 1 udp 2122260223 127.0.0.1 {40000 + i} typ host generation 0"
        for i in range(
            MAX_CANDIDATES_PER_SECTION - count_attribute(video_section(sdp), "candidate")
        )
    ]
    m_line = video_section(sdp)[0]
    formats = " ".join(map(str, [*codecs, *rtx, 123, 125]))
    large = add_to_video(sdp, lines).replace(m_line, f"{m_line} {formats}")
    assert len(video_section(large)) > 160
    parse_offer({"sdp": large, "type": "offer"})


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("Europe/Stockholm", "Europe/Stockholm"),
        ("Not/A_Zone", None),
        ("../../etc/passwd", None),
        ("x" * 65, None),
        (None, None),
    ],
)
def test_the_browsers_time_zone_is_kept_only_when_known(
    given: str | None, read: str | None
) -> None:
    body = decode(OfferBody, json.dumps({"sdp": "v=0", "type": "offer", "time_zone": given}))
    assert body.time_zone == read


@pytest.mark.parametrize("given", [3, ["Europe/Stockholm"], {"zone": "UTC"}])
def test_a_time_zone_that_is_not_text_is_refused(given: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode(OfferBody, json.dumps({"sdp": "v=0", "type": "offer", "time_zone": given}))
    assert caught.value.status == 422
