"""Every session ends on its own: when ICE never connects, and at the hard time limit."""

from __future__ import annotations

import asyncio

from server.media.offer import parse_offer
from server.media.peers import Peers
from server.media.session import SessionLimits
from tests.support.peer import ClientPeer, PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform


async def discard(result: dict[str, object]) -> None:
    return None


def peers(*, connect_seconds: float = 5.0, session_seconds: float = 30.0) -> Peers:
    limits = SessionLimits(
        measure_seconds=1.0,
        verdict_deadline=2.0,
        connect_seconds=connect_seconds,
        session_seconds=session_seconds,
    )
    return Peers(max_sessions=4, limits=limits, ice_servers=[], on_result=discard)


def client_peer() -> ClientPeer:
    return ClientPeer(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))


async def test_a_browser_that_never_connects_is_let_go() -> None:
    registry = peers(connect_seconds=0.5)
    client = client_peer()
    try:
        session = await registry.start("check", parse_offer(await client.offer()), {})
        # The client never applies the answer, so ICE cannot complete.
        async with asyncio.timeout(5):
            await session.wait_closed()
        assert len(registry) == 0
        assert session.pc.connectionState == "closed"
    finally:
        await client.close()
        await registry.close_all()


async def test_a_session_ends_at_its_time_limit() -> None:
    registry = peers(session_seconds=1.5)
    client = client_peer()
    try:
        session = await registry.start("check", parse_offer(await client.offer()), {})
        await client.pc.setRemoteDescription(session.pc.localDescription)
        await client.next_message("metrics", within=5)
        async with asyncio.timeout(5):
            await session.wait_closed()
        assert len(registry) == 0
    finally:
        await client.close()
        await registry.close_all()


async def test_shutdown_closes_every_session() -> None:
    registry = peers()
    clients = [client_peer() for _ in range(3)]
    try:
        sessions = [
            await registry.start(f"check-{i}", parse_offer(await c.offer()), {})
            for i, c in enumerate(clients)
        ]
        await registry.close_all()
        assert len(registry) == 0
        assert all(s.pc.connectionState == "closed" for s in sessions)
    finally:
        for c in clients:
            await c.close()
