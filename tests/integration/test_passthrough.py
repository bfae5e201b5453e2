"""The loopback sends back the browser's own encoded frames: no encoder runs, keyframe requests
reach the browser's sender, and a stalled sender costs bounded memory.

These also pin the aiortc internals that `passthrough.py` uses: they fail loudly if they move.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate
from server.config import Settings
from server.keys import peers_key
from server.media.rtc import internals
from server.media.rtc.passthrough import (
    MAX_AUDIO_FRAMES,
    MAX_VIDEO_FRAMES,
    EncodedFrame,
    PacketLoopback,
    Passthrough,
)
from server.media.rtc.reencode import Reencode
from tests.conftest import AiohttpClient, Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, speech_like


async def test_the_loopback_is_the_browsers_own_stream_and_no_encoder_runs(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)), SoundTrack(speech_like(2.0))
    )
    try:
        await peer.connect(client, seeded.check.token)
        await peer.next_message("verdict", within=20)
        session = client.app[peers_key].get(peer.session_id)
        assert session is not None
        assert isinstance(session.loopback, Passthrough)
        decoded_at_verdict = session.steps.video.frames
        sent_at_verdict = session.loopback.loopbacks["video"].sent
        async with asyncio.timeout(10):  # the loopback goes on
            while session.loopback.loopbacks["video"].sent < sent_at_verdict + 10:
                await peer.next_message("metrics")
        assert session.steps.video.frames <= decoded_at_verdict + 2, "but nothing is decoded"
        assert peer.received["video"] > 30, "the peer decodes what came back"
        for transceiver in session.pc.getTransceivers():
            encoder = transceiver.sender._RTCRtpSender__encoder
            assert encoder is not None, "the sender packetised the loopback"
            # aiortc's VP8 encoder makes its libvpx context on the first encode; Opus has none.
            assert getattr(encoder, "codec", None) is None or transceiver.kind == "audio"
    finally:
        await peer.close()


async def test_a_keyframe_request_about_the_loopback_reaches_the_browsers_sender(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)), SoundTrack(speech_like(2.0))
    )
    requested = asyncio.Event()
    try:
        await peer.connect(client, seeded.check.token)
        video = next(t for t in peer.pc.getTransceivers() if t.kind == "video")
        async with asyncio.timeout(10):  # until the loopback arrives
            while not internals.media_ssrcs(video.receiver):
                await peer.next_message("metrics")

        internals.on_keyframe_request(video.sender, requested.set)
        loopback_ssrc = internals.media_ssrcs(video.receiver)[0]
        # The server forwards at most two requests a second (it has just asked for the loopback's
        # first keyframe itself): ask again, as a browser does, until one gets through.
        async with asyncio.timeout(5.0):
            while not requested.is_set():
                await internals.send_pli(video.receiver, loopback_ssrc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(requested.wait(), 0.3)
    finally:
        await peer.close()


def frame(keyframe: bool, timestamp: int = 0) -> EncodedFrame:
    return EncodedFrame(b"\x00" * 100, timestamp, 90000, keyframe)


async def test_a_stalled_sender_drops_frames_and_starts_again_from_a_keyframe() -> None:
    requests: list[str] = []
    loopback = PacketLoopback("video", lambda: requests.append("keyframe"))
    loopback.put(frame(True))
    assert not loopback._frames, "nothing is kept before the sender reads"
    reading = asyncio.ensure_future(loopback.recv())
    await asyncio.sleep(0)
    loopback.put(frame(True, 1))
    assert (await reading).pts == 1
    for i in range(MAX_VIDEO_FRAMES * 3):
        loopback.put(frame(False, i))
    assert len(loopback._frames) < MAX_VIDEO_FRAMES
    loopback.put(frame(False, 999))
    assert requests, "a keyframe is asked for"
    loopback.put(frame(True, 1000))
    packets = [await loopback.recv() for _ in range(len(loopback._frames))]
    assert packets[0].pts == 1000, "after dropping, the first frame sent is a keyframe"
    loopback.stop()


async def test_audio_keeps_only_the_newest_frames() -> None:
    loopback = PacketLoopback("audio", lambda: None)
    reading = asyncio.ensure_future(loopback.recv())
    await asyncio.sleep(0)
    for i in range(MAX_AUDIO_FRAMES * 5):
        loopback.put(EncodedFrame(b"\x01", i, 48000, False))
    await reading
    assert len(loopback._frames) <= MAX_AUDIO_FRAMES
    loopback.stop()


async def test_the_naive_design_still_runs_for_comparison(
    aiohttp_client: AiohttpClient, settings: Settings, seeded: Seeded
) -> None:
    app = create_app(dataclasses.replace(settings, loopback="reencode"))
    client: TestClient[Any, Any] = await aiohttp_client(app)
    peer = FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)), SoundTrack(speech_like(2.0))
    )
    try:
        await peer.connect(client, seeded.check.token)
        verdict = await peer.next_message("verdict", within=20)
        session = client.app[peers_key].get(peer.session_id)
        assert session is not None
        assert isinstance(session.loopback, Reencode), "no passthrough in the naive design"
        assert peer.received["video"] > 10, "the re-encoded loopback arrives"
    finally:
        await peer.close()
    assert verdict["result"]["checks"]["camera"]["status"] == "pass"
