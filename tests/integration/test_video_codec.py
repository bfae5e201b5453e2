"""We answer VP8 only: an offer that prefers H.264 (as Safari's does) still gets VP8 and a working
preview; an offer without VP8 is refused before any peer connection is made for it."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from aiortc import RTCRtpSender
from aiortc.sdp import SessionDescription

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, speech_like

Client = TestClient[Any, Any]


def prefer(peer: FakeCandidate, mime_types: list[str]) -> None:
    """Orders (and limits) the peer's video codecs as a browser's setCodecPreferences would."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    video = next(t for t in peer.pc.getTransceivers() if t.kind == "video")
    video.setCodecPreferences(
        [c for mime in mime_types for c in codecs if c.mimeType.lower() == mime.lower()]
    )


def video_codecs(sdp: str) -> list[str]:
    media = next(m for m in SessionDescription.parse(sdp).media if m.kind == "video")
    return [codec.mimeType for codec in media.rtp.codecs]


async def test_an_h264_first_offer_gets_vp8_and_its_preview(client: Client, seeded: Seeded) -> None:
    peer = FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)), SoundTrack(speech_like(1.0))
    )
    prefer(peer, ["video/H264", "video/VP8", "video/rtx"])
    try:
        offer = await peer.offer()
        assert video_codecs(offer["sdp"])[0] == "video/H264", "the offer really prefers H.264"
        await peer.connect(client, seeded.check.token)
        assert peer.pc.remoteDescription is not None
        assert set(video_codecs(peer.pc.remoteDescription.sdp)) == {"video/VP8", "video/rtx"}
        await peer.next_message("verdict")
        assert peer.received["video"] > 10, "the preview (the VP8 loopback) arrives"
    finally:
        await peer.close()


async def test_an_offer_without_vp8_is_a_422(client: Client, seeded: Seeded) -> None:
    peer = FakeCandidate(PictureTrack(live_scene(130, 130, frames=2, fps=15)), None)
    prefer(peer, ["video/H264"])
    try:
        response = await client.post(f"/c/{seeded.check.token}/offer", json=await peer.offer())
    finally:
        await peer.close()
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "unsupported_codec"
    assert "VP8" in error["message"]
    assert len(client.app[peers_key]) == 0
