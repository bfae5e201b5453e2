"""Video above 1080p never reaches the decoder: its keyframe's header says its size, the frame is
kept from the decoder and the session ends, without spending a decode on it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from server.media.rtc.passthrough import Passthrough
from tests.conftest import Seeded
from tests.support.peer import PictureTrack
from tests.support.synthetic import scene

Client = TestClient[Any, Any]


async def test_a_camera_above_1080p_is_refused_before_decoding(
    client: Client, seeded: Seeded
) -> None:
    # 2048x1152 is 2.4 Mpx, above 1920x1088; the peer's own encoder makes real VP8 of it.
    picture = scene(130, 130, width=2048, height=1152)
    peer = FakeCandidate(PictureTrack([picture], fps=5), None)
    try:
        await peer.connect(client, seeded.check.token)
        session = client.app[peers_key].get(peer.session_id)
        assert session is not None
        async with asyncio.timeout(10):
            await session.wait_closed()
    finally:
        await peer.close()
    assert isinstance(session.loopback, Passthrough)
    tap = session.loopback.tap("video")
    assert tap is not None, "the video arrived"
    assert tap.oversized >= 1
    assert tap.decoded == 0, "nothing of it was decoded"
    assert session.result is None, "no verdict is judged on media we refused"
