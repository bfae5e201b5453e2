"""Every private aiortc/aioice hook in `server/media/rtc/internals.py`, exercised on a real
connection between two aiortc peers. When a new aiortc or aioice moves one, this fails here,
by name, rather than as a silent loss of the loopback or of the network figures."""

from __future__ import annotations

import asyncio
import queue
import socket
from importlib.metadata import version
from typing import Any

import aioice.ice
import pytest
from aiohttp.test_utils import TestClient

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from server.media.rtc import internals
from server.media.session.session import MediaSession
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform


@pytest.mark.parametrize("package", ["aiortc", "aioice"])
def test_the_installed_minor_version_is_the_one_the_hooks_were_read_against(package: str) -> None:
    installed = ".".join(version(package).split(".")[:2])
    assert installed == internals.CHECKED_AGAINST[package], (
        f"{package} {version(package)}: read every hook in internals.py against it, then update "
        "CHECKED_AGAINST and the pin in pyproject.toml"
    )


async def connected_session(
    client: TestClient[Any, Any], seeded: Seeded, peer: FakeCandidate
) -> MediaSession:
    await peer.connect(client, seeded.check.token)
    await peer.next_message("metrics", within=10)
    session: MediaSession | None = client.app[peers_key].get(peer.session_id)
    assert session is not None
    return session


async def test_the_receiver_hooks(client: TestClient[Any, Any], seeded: Seeded) -> None:
    peer = FakeCandidate(
        PictureTrack([uniform(120, seed=i) for i in range(4)]), SoundTrack(speech_like(1.0))
    )
    try:
        await connected_session(client, seeded, peer)
        video = next(t for t in peer.pc.getTransceivers() if t.kind == "video")
        receiver = video.receiver

        assert isinstance(internals.decoder_queue(receiver), queue.Queue)
        streams = internals.remote_streams(receiver)
        assert streams, "the peer receives the loopback"
        for stats in streams.values():
            assert stats._clockrate == 90000
            assert stats.packets_received > 0
            assert isinstance(stats.packets_lost, int)
            assert isinstance(stats.jitter, int)
        rtx = internals.rtx_ssrcs(receiver)
        assert isinstance(rtx, dict)
        assert set(internals.media_ssrcs(receiver)) == set(streams) - set(rtx)

        sender_asked = asyncio.Event()
        internals.on_keyframe_request(video.sender, sender_asked.set)
        session = client.app[peers_key].get(peer.session_id)
        assert session is not None
        server_video = next(t for t in session.pc.getTransceivers() if t.kind == "video")
        # The server asks the peer's sender for a keyframe, as the loopback does for the browser.
        await internals.send_pli(
            server_video.receiver, internals.media_ssrcs(server_video.receiver)[0]
        )
        async with asyncio.timeout(2.0):
            await sender_asked.wait()
    finally:
        await peer.close()


async def test_a_replaced_decoder_queue_gets_every_encoded_frame(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    class Counting:
        def __init__(self, inner: queue.Queue[Any]) -> None:
            self.inner = inner
            self.frames = 0
            self.enough = asyncio.Event()

        def put(self, item: Any) -> None:
            self.frames += item is not None
            if self.frames >= 5:
                self.enough.set()
            self.inner.put(item)

        def get(self, *args: Any, **kwargs: Any) -> Any:
            return self.inner.get(*args, **kwargs)

    peer = FakeCandidate(
        PictureTrack([uniform(120, seed=i) for i in range(4)]), SoundTrack(speech_like(1.0))
    )
    try:
        await connected_session(client, seeded, peer)
        receiver = next(t.receiver for t in peer.pc.getTransceivers() if t.kind == "video")
        counting = Counting(internals.decoder_queue(receiver))
        internals.replace_decoder_queue(receiver, counting)
        before = peer.received["video"]
        async with asyncio.timeout(5.0):
            await counting.enough.wait()
        async with asyncio.timeout(5.0):
            while peer.received["video"] <= before:  # frames still reach the decoder
                await peer.next_message("metrics")
    finally:
        await peer.close()


async def test_the_nominated_pair(client: TestClient[Any, Any], seeded: Seeded) -> None:
    peer = FakeCandidate(PictureTrack([uniform(120)]), SoundTrack(speech_like(1.0)))
    try:
        session = await connected_session(client, seeded, peer)
        ice = session.pc.getTransceivers()[0].receiver.transport.transport
        pairs = internals.nominated_pairs(ice)
        assert len(pairs) == 1
        assert pairs[0].remote_candidate.type == "host"
        assert pairs[0].remote_candidate.host == "127.0.0.1"
    finally:
        await peer.close()


def test_host_addresses_are_chosen_and_put_back() -> None:
    outside = aioice.ice.get_host_addresses
    with internals.host_addresses(("127.0.0.1", "::1")):
        assert aioice.ice.get_host_addresses(True, False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1", "::1"]
        with internals.host_addresses(("10.1.2.3",)):
            assert aioice.ice.get_host_addresses(True, False) == ["10.1.2.3"]
        assert aioice.ice.get_host_addresses(True, False) == ["127.0.0.1"]
        with internals.host_addresses(()):
            assert aioice.ice.get_host_addresses(True, False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses is outside


async def test_the_ice_guard_sees_every_datagram_and_every_check(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(PictureTrack([uniform(120)]), SoundTrack(speech_like(1.0)))
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        session = await connected_session(client, seeded, peer)
        connections = internals.ice_connections(session.pc)
        assert len(connections) == 1, "every section is bundled on one connection"
        connection = connections[0]
        assert isinstance(connection, aioice.Connection)
        assert internals.is_nominated(connection)
        assert internals.queued_datagrams(connection) >= 0
        candidates = internals.remote_candidates(connection)
        assert candidates
        assert all(isinstance(c, aioice.Candidate) for c in candidates)
        assert internals.candidate_address(candidates[0]) == ("127.0.0.1", candidates[0].port)
        assert getattr(aioice.ice.StunProtocol.datagram_received, "guarded", False)

        [gate] = session.gates
        assert gate.proven, "check_incoming told the guard of the peer's authenticated checks"
        # A datagram from an address that is no candidate: the guarded receive drops it.
        [pair] = internals.nominated_pairs(
            session.pc.getTransceivers()[0].receiver.transport.transport
        )
        stranger.bind(("127.0.0.2", 0))
        before = gate.dropped
        for _ in range(20):
            stranger.sendto(b"\x80" + bytes(99), pair.local_addr)
        async with asyncio.timeout(5):
            while gate.dropped < before + 20:
                await peer.next_message("metrics")
    finally:
        stranger.close()
        await peer.close()
