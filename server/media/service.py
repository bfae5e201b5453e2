"""What the rest of the server needs from the media side, whether it runs in this process
(`session/peers.py`) or in media worker processes (`workers/pool.py`)."""

from __future__ import annotations

from typing import Protocol

from server.media.rtc.sdp import Offer
from server.models.offer import AnswerBody
from server.models.result import Browser


class MediaService(Protocol):
    async def answer(self, check_id: str, offer: Offer, browser: Browser) -> AnswerBody:
        """Start a session for the check (replacing a live one) and return the answer SDP."""
        ...

    async def connected(self, check_id: str) -> bool:
        """Whether a session of this check has its connection up."""
        ...

    async def close_check(self, check_id: str) -> None:
        """End every session of this check."""
        ...

    async def live_sessions(self) -> int: ...
