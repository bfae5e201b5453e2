"""The server sends connectivity checks only to candidates a browser on the internet can have;
a browser whose signalled candidates are all refused still connects, through its own checks."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator

import pytest
from aioice import stun

from server.bench.candidate import FakeCandidate
from server.media.rtc.candidates import CandidatePolicy
from server.media.rtc.sdp import parse_offer
from server.media.session.peers import Peers
from server.media.session.session import SessionLimits
from server.models.result import Browser, Result
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform

BROWSER = Browser(name="Chrome", version="156", os="Linux")
CANDIDATE = re.compile(r"^a=candidate:\S+ 1 udp \d+ \S+ \d+ typ host[^\r\n]*", re.MULTILINE)


async def discard(result: Result) -> None:
    return None


async def forget(check_id: str) -> None:
    return None


def peers(candidates: CandidatePolicy) -> Peers:
    limits = SessionLimits(
        measure_seconds=1.0,
        verdict_deadline=2.0,
        connect_seconds=10.0,
        session_seconds=30.0,
        speakers_seconds=5.0,
        candidates=candidates,
    )
    return Peers(
        max_sessions=2, limits=limits, ice_servers=[], on_result=discard, on_abandoned=forget
    )


@pytest.fixture
def victims() -> Iterator[list[socket.socket]]:
    """UDP services on this host that an offer names as its candidates."""
    found = []
    for host in ("127.0.0.1", "127.0.0.2"):
        victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        victim.bind((host, 0))
        victim.setblocking(False)
        found.append(victim)
    yield found
    for victim in found:
        victim.close()


def with_victims(sdp: str, victims: list[socket.socket]) -> str:
    lines = "".join(
        f"a=candidate:9{i} 1 udp 2130706431 {v.getsockname()[0]} {v.getsockname()[1]} typ host\r\n"
        for i, v in enumerate(victims)
    )
    real = CANDIDATE.search(sdp)
    assert real is not None
    changed = sdp.replace(real.group(0) + "\r\n", real.group(0) + "\r\n" + lines, 1)
    assert changed != sdp
    return changed


def stun_received(victims: list[socket.socket]) -> int:
    count = 0
    for victim in victims:
        while True:
            try:
                data = victim.recv(2048)
            except BlockingIOError:
                break
            stun.parse_message(data)
            count += 1
    return count


@pytest.mark.parametrize(
    ("policy", "probed"),
    [(CandidatePolicy(), False), (CandidatePolicy(allow_loopback=True), True)],
    ids=["production", "development"],
)
async def test_loopback_candidates_are_never_probed_in_production(
    victims: list[socket.socket], policy: CandidatePolicy, probed: bool
) -> None:
    registry = peers(policy)
    client = FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))
    try:
        offer = parse_offer(with_victims((await client.offer())["sdp"], victims), policy)
        session = await registry.start("c" * 32, offer, BROWSER)
        # The peer never answers: ICE keeps trying every pair it has.
        await asyncio.sleep(1.0)
        assert (stun_received(victims) > 0) is probed
        assert (sum(gate.refused_sends for gate in session.gates) > 0) is not probed
    finally:
        await client.close()
        await registry.close_all()


async def test_a_peer_whose_candidates_are_all_refused_connects_through_its_own_checks(
    victims: list[socket.socket],
) -> None:
    registry = peers(CandidatePolicy())
    client = FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))
    try:
        # The peer's own candidate is on loopback too: refused in production as well.
        offer = parse_offer(with_victims((await client.offer())["sdp"], victims))
        session = await registry.start("c" * 32, offer, BROWSER)
        connected = asyncio.Event()
        session.pc.on(
            "connectionstatechange",
            lambda: connected.set() if session.pc.connectionState == "connected" else None,
        )
        await client.pc.setRemoteDescription(session.pc.localDescription)
        async with asyncio.timeout(10):
            await connected.wait()
        assert stun_received(victims) == 0
    finally:
        await client.close()
        await registry.close_all()
