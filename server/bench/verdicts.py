"""Results the way candidates' sessions produce them, for the dashboard benchmark's attempts.

Each Result comes from the real verdict rules over a measured summary drawn from a plausible
room, microphone, network and browser: most candidates are fine, some sit in the dark or behind a
window, whisper, clip, relay or lose packets, and a few cannot connect and check locally. Making
hundreds of thousands of them this way would take minutes, so a pool is judged once and each
attempt takes one of its verdict's pool and its own identity and times.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from server.media.analysis.audio import AudioSummary
from server.media.analysis.motion import Motion
from server.media.analysis.network import BrowserReport, NetworkSummary, PhaseTimings
from server.media.analysis.video import FrameStats, VideoSummary
from server.media.verdict.local import by_browser
from server.media.verdict.result import AttemptHeader, assemble, build_result, judge_media
from server.media.verdict.rules import Speakers, judge_speakers, network_blocked
from server.models.result import Browser, MeasuredChecks, NetworkPath, Overall, Result

BROWSERS = (
    (("Chrome", "131", "Windows"), 34),
    (("Chrome", "131", "macOS"), 14),
    (("Edge", "131", "Windows"), 14),
    (("Safari", "18", "macOS"), 9),
    (("Safari", "18", "iOS"), 8),
    (("Chrome", "130", "Android"), 8),
    (("Firefox", "133", "Windows"), 6),
    (("Firefox", "128", "Linux"), 3),
    (("Chrome", "131", "ChromeOS"), 2),
    (("unknown", "", "unknown"), 2),
)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""Pool results are judged at this time; each attempt gets its own."""


def _video(rng: random.Random) -> VideoSummary:
    room = rng.random()
    if room < 0.02:  # shutter closed or camera taken by another program
        light = FrameStats(2.0, 2.0, 2.0, 0.0, 1.0)
    elif room < 0.10:  # a dark room
        center = rng.uniform(12, 45)
        light = FrameStats(center + 4, center, center + 6, 0.0, rng.uniform(8, 20))
    elif room < 0.22:  # one lamp, far away
        center = rng.uniform(45, 75)
        light = FrameStats(center + 10, center, center + 14, 0.0, rng.uniform(20, 40))
    elif room < 0.30:  # a window behind the candidate
        center = rng.uniform(30, 95)
        border = rng.uniform(max(160, center + 65), 235)
        light = FrameStats((center + 3 * border) / 4, center, border, rng.uniform(0.05, 0.3), 60)
    elif room < 0.33:  # sun on the face
        center = rng.uniform(205, 240)
        light = FrameStats(center - 5, center, center - 10, rng.uniform(0.2, 0.5), 30)
    else:
        center = rng.uniform(80, 170)
        border = center + rng.uniform(-25, 30)
        light = FrameStats((center + 3 * border) / 4, center, border, rng.uniform(0, 0.03), 45)
    low_end = rng.random() < 0.06
    width, height = (640, 360) if low_end else rng.choice(((1280, 720), (640, 480), (1920, 1080)))
    fps = rng.uniform(8, 14.5) if rng.random() < 0.05 else rng.choice((15.0, 24.0, 30.0, 29.97))
    return VideoSummary(
        frames=int(fps * 4),
        duration_s=4.0,
        fps=round(fps, 2),
        width=width,
        height=height,
        light=light,
        # A frozen camera in 2% of attempts: (almost) nothing of the picture moved.
        motion=Motion(
            moved_share=rng.uniform(0.0, 0.002) if rng.random() < 0.02 else 0.05, level=3.0
        ),
    )


def _audio(rng: random.Random) -> AudioSummary:
    mic = rng.random()
    if mic < 0.03:  # muted in the operating system
        rms, floor = rng.uniform(-95, -62), -100.0
    elif mic < 0.10:
        rms, floor = rng.uniform(-58, -41), rng.uniform(-75, -60)
    elif mic < 0.16:  # a fan, a street
        rms, floor = rng.uniform(-30, -15), rng.uniform(-44, -35)
    else:
        rms, floor = rng.uniform(-32, -12), rng.uniform(-75, -50)
    clipping = rng.uniform(0.012, 0.05) if rng.random() < 0.03 else rng.uniform(0, 0.002)
    return AudioSummary(
        windows=40,
        rms_dbfs=rms,
        peak_dbfs=min(0.0, rms + rng.uniform(6, 18)),
        noise_floor_dbfs=floor,
        clipping_fraction=clipping,
        speech_detected=rms > -50,
        speech_seconds=rng.uniform(0.8, 3.0) if rms > -50 else 0.0,
    )


def _network(rng: random.Random) -> NetworkSummary:
    path = rng.random()
    candidate, transport = "host", "udp"
    if path < 0.12:
        candidate, transport = "relay", rng.choice(("udp", "udp", "tcp"))
    elif path < 0.80:
        candidate = "srflx"
    poor = rng.random() < 0.08
    rtt = rng.uniform(180, 520) if poor else rng.uniform(8, 140)
    jitter = rng.uniform(20, 70) if poor else rng.uniform(0.5, 15)
    loss = rng.uniform(1.5, 12) if poor else rng.uniform(0, 0.8)
    upload = rng.uniform(90, 700) if poor else rng.uniform(550, 3500)
    ice = rng.uniform(20, 600) + (400 if candidate == "relay" else 0)
    dtls = ice + rng.uniform(10, 120)
    return NetworkSummary(
        rtt_ms=rtt,
        jitter_ms=jitter,
        packet_loss_pct=loss,
        bitrate_kbps=upload,
        # Counted as the probe would: the rate the path carried, which the upload stands for.
        probe_kbps=None,
        download_kbps=upload * rng.uniform(0.6, 1.0),
        download_loss_pct=loss * rng.uniform(0, 1),
        candidate_type=candidate,  # type: ignore[arg-type]
        transport=transport,  # type: ignore[arg-type]
        connect_ms=dtls,
        timings=PhaseTimings(ice_ms=ice, dtls_ms=dtls, first_frame_ms=dtls + rng.uniform(60, 200)),
        browser=BrowserReport(
            download_kbps=round(upload * rng.uniform(0.55, 1.0), 1),
            relay_protocol="udp" if candidate == "relay" else None,
            timings_ms={
                "media": rng.uniform(60, 1400),
                "gathering": rng.uniform(100, 600),
                "signalling": rng.uniform(15, 250),
                "connected": dtls * rng.uniform(0.9, 1.1),
            },
        ),
    )


def _speakers(rng: random.Random) -> Speakers:
    answer = rng.random()
    if answer < 0.55:
        return Speakers.HEARD
    if answer < 0.93:
        return Speakers.CONFIRMED
    return Speakers.NOT_HEARD if answer < 0.97 else Speakers.UNANSWERED


def judged_result(rng: random.Random, check_id: str, attempt_id: str) -> Result:
    """One attempt's Result, judged by the rules a session's verdict goes through."""
    [(name, version, os)] = rng.choices([b for b, _ in BROWSERS], [w for _, w in BROWSERS])
    browser = Browser(name=name, version=version, os=os)
    started = EPOCH
    header = AttemptHeader(check_id, attempt_id, started, started, browser)
    media = judge_media(_video(rng), _audio(rng))
    if rng.random() < 0.04:  # UDP blocked: the page measured alone
        local = MeasuredChecks(
            camera=by_browser(media.camera),
            lighting=by_browser(media.lighting),
            microphone=by_browser(media.microphone),
        )
        result = assemble(header, local, judge_speakers(Speakers.UNANSWERED), network_blocked())
    else:
        finished = started + timedelta(seconds=rng.uniform(14, 45))
        header = AttemptHeader(check_id, attempt_id, started, finished, browser)
        result = build_result(header, media, _speakers(rng), _network(rng))
    return result


@dataclass(frozen=True)
class Judged:
    """A Result as `record_attempt` stores it, with what the store copies out of it."""

    result: dict[str, Any]
    """`model_dump(mode="json")`"""
    network_path: NetworkPath
    reason_codes: tuple[str, ...]


POOL_SIZE = 3000
"""Enough for every verdict's reasons in their usual mix; judging takes about a second."""


@functools.cache
def result_pool(seed: int, size: int = POOL_SIZE) -> ResultPool:
    """One pool per seed in a process: both engines' histories hold the same Results."""
    return ResultPool(seed, size)


class ResultPool:
    """Judged Results grouped by their overall verdict, to be handed out with new identities."""

    def __init__(self, seed: int, size: int) -> None:
        rng = random.Random(seed)
        self.by_overall: dict[Overall, list[Judged]] = {o: [] for o in Overall}
        placeholder = "0" * 32
        while len(self) < size or not all(self.by_overall.values()):
            result = judged_result(rng, placeholder, placeholder)
            self.by_overall[result.overall].append(
                Judged(
                    result.model_dump(mode="json"),
                    result.network_path(),
                    tuple(sorted(result.reason_codes())),
                )
            )

    def __len__(self) -> int:
        return sum(len(results) for results in self.by_overall.values())

    def result(
        self,
        rng: random.Random,
        overall: Overall,
        check_id: str,
        attempt_id: str,
        finished_at: datetime,
    ) -> Judged:
        """A Result with `overall`, as if judged at `finished_at`."""
        judged = rng.choice(self.by_overall[overall])
        stored = judged.result
        took = datetime.fromisoformat(stored["finished_at"]) - datetime.fromisoformat(
            stored["started_at"]
        )
        renamed = {
            **stored,
            "attempt_id": attempt_id,
            "check_id": check_id,
            "started_at": (finished_at - took).isoformat(),
            "finished_at": finished_at.isoformat(),
        }
        return Judged(renamed, judged.network_path, judged.reason_codes)
