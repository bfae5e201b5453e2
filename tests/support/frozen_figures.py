"""The figures behind the frozen-camera rule (docs/verdicts.md), through libvpx.

    .venv/bin/python -m tests.support.frozen_figures

Sends still pictures and nearly still scenes through VP8 (both encoder settings of
`tests/support/vp8.py`, at several bitrates), and prints for each what the server measures:
the blocks (of 1200) that moved, and, for comparison, what the old rule measured (the median
mean absolute difference between consecutive 80x60 thumbnails). Takes a few minutes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np

from server.media.analysis.video import VideoAnalyser
from tests.support.synthetic import (
    BACKDROPS,
    Luma,
    backdrop,
    live_scene,
    sitting_still,
    still_picture,
)
from tests.support.vp8 import through_vp8

SECONDS = 4.0
PATHS = (
    ("webrtc", 150, 15),
    ("webrtc", 300, 15),
    ("webrtc", 500, 15),
    ("webrtc", 1200, 15),
    ("webrtc", 500, 30),
    ("plain", 300, 15),
)
Scene = Callable[[int], list[Luma]]


def scenes() -> Iterator[tuple[str, str, Scene]]:
    """(group, name, frames at a frame rate) for every scene measured."""
    for kind in BACKDROPS:
        for noise in (0.5, 2.0, 6.0):

            def frozen(fps: int, kind: str = kind, noise: float = noise) -> list[Luma]:
                return [still_picture(kind, noise=noise)] * int(SECONDS * fps + 1)

            yield "frozen", f"still {kind}, noise {noise:g}", frozen
    variants: dict[str, dict[str, float | bool]] = {
        "person": {},
        "dim person": {"light": 0.5, "noise": 3.0},
        "far person": {"scale": 0.5},
        "swaying only": {"breath_px": 0.0, "blink": False, "sway_px": 1.5},
        "shallow breath": {"breath_px": 0.5, "blink": False},
    }
    for kind in BACKDROPS:
        for name, options in variants.items():

            def person(
                fps: int, kind: str = kind, options: dict[str, float | bool] = options
            ) -> list[Luma]:
                return sitting_still(kind, seconds=SECONDS, fps=fps, **options)  # type: ignore[arg-type]

            yield "live", f"{name}, {kind}", person

        def empty(fps: int, kind: str = kind) -> list[Luma]:
            rng = np.random.default_rng(0)
            room = backdrop(kind)
            return [
                np.clip(np.rint(room + rng.normal(0, 2.0, room.shape)), 0, 255).astype(np.uint8)
                for _ in range(int(SECONDS * fps + 1))
            ]

        yield "no motion", f"empty room, {kind}", empty

    def fixture(fps: int) -> list[Luma]:
        return live_scene(130, 130, frames=int(SECONDS * fps + 1), fps=fps)

    yield "live", "live_scene (test fixture)", fixture


def old_difference(frames: list[Luma]) -> float:
    """The old measure: median mean absolute difference of consecutive 80x60 thumbnails."""
    thumbs = [f[::8, ::8].astype(np.int16) for f in frames]
    return float(np.median([np.abs(a - b).mean() for a, b in itertools.pairwise(thumbs)]))


def measure(frames: list[Luma], fps: int) -> tuple[int, float]:
    analyser = VideoAnalyser()
    for i, luma in enumerate(frames):
        analyser.add(luma, i / fps)
    motion = analyser.summary().motion
    assert motion is not None
    return round(motion.moved_share * 1200), old_difference(frames)


def main() -> None:
    header = [f"{encoder} {kbps}k {fps}fps" for encoder, kbps, fps in PATHS]
    print(f"{'group':10} {'scene':28} " + " ".join(f"{h:>18}" for h in header))
    print(f"{'':10} {'':28} " + " ".join(f"{'moved/old diff':>18}" for _ in header))
    cache: dict[tuple[str, int], list[Luma]] = {}
    for group, name, make in scenes():
        cells = []
        for encoder, kbps, fps in PATHS:
            if (name, fps) not in cache:
                cache[(name, fps)] = make(fps)
            decoded = through_vp8(cache[(name, fps)], fps=fps, kbps=kbps, encoder=encoder)
            moved, old = measure(decoded, fps)
            cells.append(f"{moved:>6d} / {old:5.2f}")
        print(f"{group:10} {name:28} " + " ".join(f"{c:>18}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
