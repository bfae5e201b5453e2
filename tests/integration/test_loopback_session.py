"""A full media session against the real app, with an aiortc peer standing in for the browser."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, silence, speech_like


def pictures(center: float, border: float) -> list[Any]:
    return live_scene(center, border, frames=30, fps=15)


async def run_check(
    client: TestClient[Any, Any], seeded: Seeded, peer: FakeCandidate
) -> dict[str, Any]:
    await peer.connect(client, seeded.check.token)
    verdict = await peer.next_message("verdict")
    return dict(verdict["result"])


async def test_session_loops_media_back_streams_metrics_and_stores_the_attempt(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    video = PictureTrack(live_scene(130, 130, frames=30, fps=15))
    peer = FakeCandidate(video, SoundTrack(speech_like(3.0)))
    try:
        await peer.connect(client, seeded.check.token)
        first = await peer.next_message("metrics", within=10)
        second = await peer.next_message("metrics")
        assert second["elapsed_s"] - first["elapsed_s"] <= 0.5, "metrics arrive at 2 Hz or more"
        verdict = await peer.next_message("verdict")
        assert peer.pc.connectionState == "connected"
        assert peer.received["video"] > 10, "the server loops the video back"
        assert peer.received["audio"] > 10, "the server loops the audio back"
    finally:
        await peer.close()

    result = verdict["result"]
    assert result["check_id"] == seeded.check.id
    assert result["checks"]["camera"]["status"] == "pass"
    assert result["checks"]["camera"]["metrics"] == {"width": 640, "height": 480, "fps": 15.0}
    assert result["checks"]["lighting"]["status"] == "pass"
    assert abs(result["checks"]["lighting"]["metrics"]["mean_luma"] - 130) < 3
    assert result["checks"]["microphone"]["status"] == "pass"
    assert abs(result["checks"]["microphone"]["metrics"]["rms_dbfs"] + 20) < 1.5

    response = await client.get(
        f"/api/v1/checks/{seeded.check.id}",
        headers={"Authorization": f"Bearer {seeded.api_key}"},
    )
    stored = await response.json()
    assert stored["status"] == result["overall"]
    assert stored["latest_result"] == result


async def test_dark_room_and_silent_microphone_fail(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(PictureTrack(pictures(25, 25)), SoundTrack(silence(1.0)))
    try:
        result = await run_check(client, seeded, peer)
    finally:
        await peer.close()
    assert result["overall"] == "not_ready"
    assert result["checks"]["lighting"]["reasons"] == ["lighting.too_dark"]
    assert result["checks"]["microphone"]["reasons"] == ["microphone.silent"]


async def test_leaving_closes_the_session(client: TestClient[Any, Any], seeded: Seeded) -> None:
    peer = FakeCandidate(PictureTrack(pictures(130, 130)), SoundTrack(speech_like(1.0)))
    await peer.connect(client, seeded.check.token)
    await peer.next_message("metrics", within=10)
    peers = client.app[peers_key]
    session = peers.get(peer.session_id)
    assert session is not None
    await peer.close()
    await session.wait_closed()
    assert len(peers) == 0
