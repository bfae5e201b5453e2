"""The speakers step: the chime heard in the microphone, or the candidate's answer, or neither."""

from __future__ import annotations

import asyncio
import contextlib

from server.media.analysis.audio import Samples
from server.media.analysis.chime import ChimeDetector
from server.media.verdict.rules import Speakers


class SpeakersStep:
    """Listens only once started; the first decision stands (a chime already heard is not undone
    by a late click, nor a click by a late chime)."""

    def __init__(self) -> None:
        self.answer: Speakers | None = None
        self._detector: ChimeDetector | None = None
        self._decided = asyncio.Event()

    def start(self, sample_rate: int) -> None:
        self._detector = ChimeDetector(sample_rate)

    def hear(self, samples: Samples) -> bool:
        """Feeds the microphone; True once, when this brings the chime to be heard."""
        if self._detector is None or self.answer is not None:
            return False
        self._detector.add(samples)
        if self._detector.heard:
            self.decide(Speakers.HEARD)
            return True
        return False

    def decide(self, answer: Speakers) -> None:
        if self._detector is None or self.answer is not None:
            return
        self.answer = answer
        self._decided.set()

    async def outcome(self, within: float) -> Speakers:
        """The decision, or UNANSWERED when none came within `within` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._decided.wait(), within)
        if self.answer is None:
            self.answer = Speakers.UNANSWERED
        return self.answer
