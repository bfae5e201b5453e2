"""Every session ends on its own and cleanly: no ICE, time limit, shutdown, replacement."""

from __future__ import annotations

import asyncio

from server.bench.candidate import FakeCandidate
from server.media.rtc.sdp import Offer, parse_offer
from server.media.session.peers import Peers
from server.media.session.session import AbandonSink, ResultSink, SessionLimits
from server.models.result import Browser, Result
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform

CHECK_ID = "c" * 32


async def offer_of(candidate: FakeCandidate) -> Offer:
    return parse_offer((await candidate.offer())["sdp"])


BROWSER = Browser(name="Chrome", version="156", os="Linux")


async def discard(result: Result) -> None:
    return None


async def forget(check_id: str) -> None:
    return None


def peers(
    *,
    measure_seconds: float = 1.0,
    connect_seconds: float = 5.0,
    session_seconds: float = 30.0,
    on_result: ResultSink = discard,
    on_abandoned: AbandonSink = forget,
) -> Peers:
    limits = SessionLimits(
        measure_seconds=measure_seconds,
        verdict_deadline=measure_seconds + 1.0,
        connect_seconds=connect_seconds,
        session_seconds=session_seconds,
        speakers_seconds=5.0,
    )
    return Peers(
        max_sessions=4,
        limits=limits,
        ice_servers=[],
        on_result=on_result,
        on_abandoned=on_abandoned,
    )


def client_peer() -> FakeCandidate:
    return FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))


async def test_a_browser_that_never_connects_is_let_go() -> None:
    registry = peers(connect_seconds=0.5)
    client = client_peer()
    try:
        session = await registry.start(CHECK_ID, await offer_of(client), BROWSER)
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
        session = await registry.start(CHECK_ID, await offer_of(client), BROWSER)
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
            await registry.start(f"{i:032x}", await offer_of(c), BROWSER)
            for i, c in enumerate(clients)
        ]
        await registry.close_all()
        assert len(registry) == 0
        assert all(s.pc.connectionState == "closed" for s in sessions)
    finally:
        for c in clients:
            await c.close()


async def test_a_closed_session_leaves_no_task_behind() -> None:
    before = asyncio.all_tasks()
    registry = peers(connect_seconds=0.3)
    client = client_peer()
    try:
        session = await registry.start(CHECK_ID, await offer_of(client), BROWSER)
        await session.wait_closed()
    finally:
        await client.close()
    await asyncio.sleep(0.1)
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert not left, [t.get_coro() for t in left]


async def test_closing_while_the_verdict_is_stored_keeps_the_attempt() -> None:
    stored: list[Result] = []
    storing = asyncio.Event()

    async def slow_store(result: Result) -> None:
        storing.set()
        await asyncio.sleep(0.5)
        stored.append(result)

    registry = peers(on_result=slow_store)
    client = client_peer()
    try:
        session = await registry.start(CHECK_ID, await offer_of(client), BROWSER)
        await client.pc.setRemoteDescription(session.pc.localDescription)
        async with asyncio.timeout(10):
            await storing.wait()
        await session.close()
        assert len(stored) == 1
    finally:
        await client.close()
        await registry.close_all()


async def test_a_session_that_ends_without_a_verdict_is_reported_abandoned() -> None:
    abandoned: list[str] = []

    async def note(check_id: str) -> None:
        abandoned.append(check_id)

    registry = peers(measure_seconds=20.0, session_seconds=60.0, on_abandoned=note)
    client = client_peer()
    try:
        session = await registry.start(CHECK_ID, await offer_of(client), BROWSER)
        await client.pc.setRemoteDescription(session.pc.localDescription)
        await client.next_message("metrics", within=5)
        await client.close()
        async with asyncio.timeout(10):
            await session.wait_closed()
        assert abandoned == [CHECK_ID]
    finally:
        await client.close()
        await registry.close_all()


async def test_concurrent_offers_for_one_check_leave_one_session() -> None:
    registry = peers()
    clients = [client_peer() for _ in range(3)]
    try:
        offers = [await offer_of(c) for c in clients]
        outcomes = await asyncio.gather(
            *(registry.start(CHECK_ID, offer, BROWSER) for offer in offers),
            return_exceptions=True,
        )
        live = [o for o in outcomes if not isinstance(o, BaseException) and not o.closed]
        assert len(live) == 1
        assert len(registry) == 1
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert all(getattr(e, "code", None) == "replaced" for e in refused)
    finally:
        for c in clients:
            await c.close()
        await registry.close_all()
