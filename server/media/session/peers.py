"""The one owner of every media session in this process: caps, replaces and closes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiortc import RTCIceServer

from server.config import SPEAKERS_SECONDS, VERDICT_GRACE_SECONDS, Settings
from server.errors import Busy
from server.media.rtc.candidates import CandidatePolicy
from server.media.rtc.internals import host_addresses
from server.media.rtc.sdp import Offer
from server.media.session.admission import AdmissionRules
from server.media.session.headroom import Headroom
from server.media.session.session import AbandonSink, MediaSession, ResultSink, SessionLimits
from server.models.offer import AnswerBody
from server.models.result import Browser

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""Sessions last minutes and end often: a page that waits a few seconds gets a slot soon."""
CONNECT_SECONDS = 20.0
"""How long a browser has after our answer to bring ICE and DTLS up."""


class Peers:
    def __init__(
        self,
        *,
        max_sessions: int,
        limits: SessionLimits,
        ice_servers: list[RTCIceServer],
        on_result: ResultSink,
        on_abandoned: AbandonSink,
        headroom: Headroom | None = None,
    ) -> None:
        """Without `headroom`, only `max_sessions` limits what is admitted."""
        self.max_sessions = max_sessions
        self.headroom = headroom
        self.limits = limits
        self.ice_servers = ice_servers
        self._on_result = on_result
        self._on_abandoned = on_abandoned
        self._sessions: dict[str, MediaSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> MediaSession | None:
        return self._sessions.get(session_id)

    async def start(self, check_id: str, offer: Offer, browser: Browser) -> MediaSession:
        """Answer an offer with a new session. One live session per check: a reload replaces it."""
        # Loop: a concurrent offer for the same check may register while we wait. From the last
        # check to registering there is no await, so the newest offer is the one that stays.
        while old := [s for s in self._sessions.values() if s.check_id == check_id]:
            await asyncio.gather(*(s.close() for s in old))
        if len(self._sessions) >= self.max_sessions:
            raise Busy("all media slots are in use", retry_after=RETRY_AFTER_SECONDS)
        if self.headroom is not None:
            decoding = sum(1 for s in self._sessions.values() if s.result is None)
            if self.headroom.refusal(sessions=len(self._sessions), decoding=decoding):
                raise Busy("the media server has no room now", retry_after=RETRY_AFTER_SECONDS)
            self.headroom.admitted()
        session = MediaSession(
            check_id=check_id,
            browser=browser,
            limits=self.limits,
            ice_servers=self.ice_servers,
            on_result=self._on_result,
            on_abandoned=self._on_abandoned,
            on_closed=self._forget,
        )
        self._sessions[session.id] = session
        try:
            await session.answer(offer)
        except BaseException:
            await session.close()
            raise
        log.info("session %s started (%d live)", session.id, len(self._sessions))
        return session

    async def answer(self, check_id: str, offer: Offer, browser: Browser) -> AnswerBody:
        session = await self.start(check_id, offer, browser)
        return AnswerBody(session_id=session.id, sdp=str(session.pc.localDescription.sdp))

    async def live_sessions(self) -> int:
        return len(self._sessions)

    async def connected(self, check_id: str) -> bool:
        return any(
            s.check_id == check_id and s.pc.connectionState == "connected"
            for s in self._sessions.values()
        )

    async def close_check(self, check_id: str) -> None:
        sessions = [s for s in self._sessions.values() if s.check_id == check_id]
        await asyncio.gather(*(s.close() for s in sessions))

    async def close_all(self) -> None:
        await asyncio.gather(*(s.close() for s in list(self._sessions.values())))

    def _forget(self, session: MediaSession) -> None:
        self._sessions.pop(session.id, None)


@contextlib.asynccontextmanager
async def running_peers(
    settings: Settings, *, on_result: ResultSink, on_abandoned: AbandonSink
) -> AsyncIterator[Peers]:
    """This process's sessions, as the settings say, offering only the configured ICE host
    addresses while they run, and admitting by measured headroom unless they say not to; every
    session is closed on the way out."""
    rules = AdmissionRules(
        max_sessions=settings.max_sessions,
        headroom=settings.admission == "headroom",
        max_lag_ms=settings.admission_max_lag_ms,
        max_cpu=settings.admission_max_cpu,
        max_decoding=settings.admission_max_decoding,
        decoding_cpu=settings.admission_decoding_cpu,
    )
    headroom = Headroom(rules) if rules.headroom else None
    peers = Peers(
        max_sessions=settings.max_sessions,
        limits=SessionLimits(
            measure_seconds=settings.measure_seconds,
            verdict_deadline=settings.measure_seconds + VERDICT_GRACE_SECONDS,
            connect_seconds=CONNECT_SECONDS,
            session_seconds=settings.session_seconds,
            speakers_seconds=SPEAKERS_SECONDS,
            loopback="reencode" if settings.loopback == "reencode" else "passthrough",
            candidates=CandidatePolicy.for_server(
                settings.ice_allow_private, settings.ice_addresses
            ),
        ),
        ice_servers=[],
        on_result=on_result,
        on_abandoned=on_abandoned,
        headroom=headroom,
    )
    with host_addresses(settings.ice_addresses):
        if headroom is not None:
            await headroom.start()
        try:
            yield peers
        finally:
            await peers.close_all()
            if headroom is not None:
                await headroom.stop()
