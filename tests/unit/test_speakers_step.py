"""The speakers step: the first decision stands, and silence is unanswered."""

from __future__ import annotations

import numpy as np

from server.media.analysis.chime import chime_waveform
from server.media.session.speakers import SpeakersStep
from server.media.verdict.rules import Speakers


async def test_the_chime_heard_passes_and_a_late_click_changes_nothing() -> None:
    step = SpeakersStep()
    assert not step.hear(chime_waveform(48000)), "nothing is heard before the step starts"
    step.start(48000)
    played = np.concatenate((chime_waveform(48000), np.zeros(24000, dtype=np.int16)))
    heard = [step.hear(block) for block in np.array_split(played, 30)]
    assert heard.count(True) == 1
    step.decide(Speakers.NOT_HEARD)
    assert await step.outcome(within=0.1) is Speakers.HEARD


async def test_an_answer_before_the_chime_stands() -> None:
    step = SpeakersStep()
    step.start(48000)
    step.decide(Speakers.CONFIRMED)
    assert not step.hear(chime_waveform(48000))
    assert await step.outcome(within=0.1) is Speakers.CONFIRMED


async def test_no_answer_is_unanswered() -> None:
    step = SpeakersStep()
    step.start(48000)
    assert await step.outcome(within=0.05) is Speakers.UNANSWERED
