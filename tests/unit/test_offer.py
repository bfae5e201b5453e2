"""Validation of the browser's SDP offer, with real offers from an in-process aiortc peer."""

from __future__ import annotations

from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from server.errors import InvalidInput
from server.media.offer import parse_offer


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
    assert error.message == "unknown field(s): a, video"


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
