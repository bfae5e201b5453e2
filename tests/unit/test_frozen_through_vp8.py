"""A frozen camera through the real VP8 encoder and decoder (libvpx), as the server receives it.

A still picture does not decode to identical frames: the encoder keeps refining it and every
keyframe (about one a second on the loopback) starts again from a coarser copy. Still pictures
of three rooms at three noise levels must read as frozen anyway, and a person sitting as still
as people do (breathing, blinking, with sensor noise), in a bright room and a dim one, must not.
docs/verdicts.md has the figures these margins come from.
"""

from __future__ import annotations

import functools

import pytest

from server.media.analysis.video import VideoAnalyser, VideoSummary
from server.media.verdict.rules import FROZEN_MOVED_SHARE, judge_camera
from server.models.result import Status
from tests.support.synthetic import BACKDROPS, Luma, sitting_still, still_picture
from tests.support.vp8 import through_vp8

FPS = 15
SECONDS = 4.0
PATHS = [
    pytest.param("webrtc", 500, id="webrtc-500k"),
    pytest.param("webrtc", 300, id="webrtc-300k"),
    pytest.param("plain", 300, id="plain-300k"),
]


def received(pictures: list[Luma], encoder: str, kbps: int) -> VideoSummary:
    analyser = VideoAnalyser()
    for i, luma in enumerate(through_vp8(pictures, fps=FPS, kbps=kbps, encoder=encoder)):
        analyser.add(luma, i / FPS)
    return analyser.summary()


@functools.cache
def person(kind: str, dim: bool) -> tuple[Luma, ...]:
    light, noise = (0.5, 3.0) if dim else (1.0, 1.0)
    return tuple(sitting_still(kind, seconds=SECONDS, fps=FPS, noise=noise, light=light))


@pytest.mark.parametrize(("encoder", "kbps"), PATHS)
@pytest.mark.parametrize("noise", [0.5, 2.0, 6.0])
@pytest.mark.parametrize("kind", BACKDROPS)
def test_a_still_picture_reads_as_frozen(kind: str, noise: float, encoder: str, kbps: int) -> None:
    picture = still_picture(kind, noise=noise)
    summary = received([picture] * int(SECONDS * FPS + 1), encoder, kbps)
    assert summary.motion is not None
    assert summary.motion.moved_share <= FROZEN_MOVED_SHARE / 2, "with a margin"
    assert (judge_camera(summary).status, judge_camera(summary).reasons) == (
        Status.WARN,
        ["camera.frozen"],
    )


@pytest.mark.parametrize(("encoder", "kbps"), PATHS)
@pytest.mark.parametrize("dim", [False, True], ids=["lit", "dim"])
@pytest.mark.parametrize("kind", BACKDROPS)
def test_a_person_sitting_still_is_not_frozen(
    kind: str, dim: bool, encoder: str, kbps: int
) -> None:
    summary = received(list(person(kind, dim)), encoder, kbps)
    assert summary.motion is not None
    assert summary.motion.moved_share >= 2 * FROZEN_MOVED_SHARE, "with a margin"
    assert "camera.frozen" not in judge_camera(summary).reasons
