"""The aiortc internals `probe.py` reads: this fails loudly when a new aiortc moves them."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from server.media.analysis.network import Candidate
from server.media.rtc import probe
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform


async def test_counters_and_the_selected_pair_are_readable(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(
        PictureTrack([uniform(120, seed=i) for i in range(4)]), SoundTrack(speech_like(1.0))
    )
    try:
        await peer.connect(client, seeded.check.token)
        await peer.next_message("metrics", within=10)
        session = client.app[peers_key].get(peer.session_id)
        assert session is not None
        sample = await probe.sample(session.pc)
        assert sorted(s.kind for s in sample.streams) == ["audio", "video"], "no RTX stream"
        assert all(s.packets_received > 0 for s in sample.streams)
        assert {s.clock_rate for s in sample.streams} == {48000, 90000}
        assert sample.bytes_received > 0
        assert probe.selected_candidate(session.pc) == Candidate("host", "udp")
    finally:
        await peer.close()
