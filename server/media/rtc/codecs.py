"""The one video codec we answer: VP8.

The loopback sends the browser's own encoded frames back (no encoder of ours), the keyframe and
size checks read VP8 headers, and every browser we support sends VP8 (Safari since 12.1). aiortc
answers in the offer's codec order, so an offer that lists H.264 first (Safari) would get H.264:
a loopback that waits for a VP8 keyframe forever and frames whose size we never see.
"""

from __future__ import annotations

from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.rtcrtpparameters import RTCRtpCodecCapability

VIDEO_MIME_TYPE = "video/VP8"


def vp8_preferences() -> list[RTCRtpCodecCapability]:
    """VP8 and its retransmissions (RTX), nothing else."""
    capabilities = RTCRtpReceiver.getCapabilities("video")
    assert capabilities is not None, "aiortc always receives video"
    return [
        codec
        for codec in capabilities.codecs
        if codec.mimeType.lower() in (VIDEO_MIME_TYPE.lower(), "video/rtx")
    ]


def answer_video_with_vp8(pc: RTCPeerConnection) -> None:
    """Before the offer is applied: its video section lands on a transceiver that accepts VP8
    only (aiortc negotiates each section's codecs as it applies the offer)."""
    transceiver = pc.addTransceiver("video", direction="recvonly")
    transceiver.setCodecPreferences(vp8_preferences())
