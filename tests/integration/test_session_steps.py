"""The speakers step and the network measurement, against the real app with an aiortc peer."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.bench.candidate import FakeCandidate, SpeakersReply
from server.config import Settings
from server.keys import peers_key
from server.media.analysis.chime import chime_waveform
from server.models.messages import Bye
from tests.conftest import AiohttpClient, Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import (
    SAMPLE_RATE,
    live_scene,
    silence,
    sitting_still,
    speech_like,
)


def peer(speakers: SpeakersReply = "confirm") -> FakeCandidate:
    # The chime as a laptop microphone hears it from its own speakers: 20 dB down, then quiet.
    heard = (chime_waveform(SAMPLE_RATE) * 0.1).astype(np.int16)
    return FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)),
        SoundTrack(speech_like(3.0), chime=np.concatenate((heard, silence(0.5)))),
        speakers=speakers,
    )


async def verdict_of(
    client: TestClient[Any, Any], seeded: Seeded, candidate: FakeCandidate
) -> dict[str, Any]:
    try:
        await candidate.connect(client, seeded.check.token)
        step = await candidate.next_message("step")
        assert step["step"] == "speakers"
        assert step["checks"]["camera"]["status"] == "pass", "measured checks come with the step"
        verdict = await candidate.next_message("verdict", within=20)
    finally:
        await candidate.close()
    return dict(verdict["result"])


async def test_network_is_measured_on_the_same_connection(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    result = await verdict_of(client, seeded, peer())
    network = result["checks"]["network"]
    metrics = network["metrics"]
    assert network["status"] == "pass", network
    assert network["reasons"] == []
    assert 0 < metrics["rtt_ms"] < 50, "data-channel pings over loopback"
    assert 0 <= metrics["jitter_ms"] < 30
    assert metrics["packet_loss_pct"] == 0
    assert metrics["bitrate_kbps"] > 100, "the server counts what the peer uploads"
    assert metrics["download_kbps"] > 100, "and what it sends back"
    assert (metrics["candidate_type"], metrics["transport"]) == ("host", "udp")
    timings = metrics["timings_ms"]
    assert 0 < timings["ice"] <= timings["dtls"] < timings["first_frame"] < 5000
    assert metrics["connect_ms"] == timings["dtls"]


@pytest.mark.parametrize("probes", [True, False], ids=["probing", "not probing"])
async def test_a_quiet_scene_on_a_good_path_is_judged_on_what_the_path_carries(
    client: TestClient[Any, Any], seeded: Seeded, probes: bool
) -> None:
    # A person sitting still before a plain wall costs the encoder little: what arrives says
    # nothing about the path. The upload probe does.
    candidate = FakeCandidate(
        PictureTrack(sitting_still("plain", seconds=4.0, noise=0.0)),
        SoundTrack(speech_like(3.0)),
        probe=probes,
    )
    network = (await verdict_of(client, seeded, candidate))["checks"]["network"]
    metrics = network["metrics"]
    assert metrics["bitrate_kbps"] < 500, "the encoder chose a low rate for a quiet scene"
    if probes:
        assert metrics["probe_kbps"] > 2000, "the path on loopback carries megabits"
        assert network["status"] == "pass", network
    else:
        # A client that does not answer the probe is judged on what arrived, as before.
        assert metrics["probe_kbps"] is None
        assert "network.low_bitrate" in network["reasons"]


async def test_confirmed_speakers_pass(client: TestClient[Any, Any], seeded: Seeded) -> None:
    speakers = (await verdict_of(client, seeded, peer("confirm")))["checks"]["speakers"]
    assert speakers == {
        "status": "pass",
        "reasons": [],
        "metrics": {"heard_by_server": False, "confirmed": True},
    }


async def test_speakers_not_heard_fail(client: TestClient[Any, Any], seeded: Seeded) -> None:
    result = await verdict_of(client, seeded, peer("deny"))
    assert result["checks"]["speakers"]["reasons"] == ["speakers.not_heard"]
    assert result["overall"] == "not_ready"


async def test_the_server_hears_the_chime_through_the_microphone(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    candidate = peer("chime")
    try:
        await candidate.connect(client, seeded.check.token)
        await candidate.next_message("step")
        heard = await candidate.next_message("speakers", within=10)
        assert heard["heard_by_server"] is True
        verdict = await candidate.next_message("verdict")
    finally:
        await candidate.close()
    speakers = verdict["result"]["checks"]["speakers"]
    assert speakers["status"] == "pass"
    assert speakers["metrics"]["heard_by_server"] is True


@pytest.fixture
async def impatient_client(
    aiohttp_client: AiohttpClient, settings: Settings
) -> TestClient[Any, Any]:
    app: web.Application = create_app(settings)
    test_client: TestClient[Any, Any] = await aiohttp_client(app)
    peers = test_client.app[peers_key]
    peers.limits = dataclasses.replace(peers.limits, speakers_seconds=1.0)
    return test_client


async def test_unanswered_speakers_warn(
    impatient_client: TestClient[Any, Any], seeded: Seeded
) -> None:
    result = await verdict_of(impatient_client, seeded, peer("ignore"))
    assert result["checks"]["speakers"]["reasons"] == ["speakers.not_confirmed"]
    assert result["overall"] == "warnings"


async def test_a_page_that_says_goodbye_is_let_go_at_once(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    candidate = peer()
    try:
        await candidate.connect(client, seeded.check.token)
        await candidate.next_message("metrics", within=10)
        session = client.app[peers_key].get(candidate.session_id)
        assert session is not None
        candidate.send(Bye())
        async with asyncio.timeout(1.0):
            await session.wait_closed()
        assert len(client.app[peers_key]) == 0
    finally:
        await candidate.close()


async def test_a_page_that_talks_nonsense_is_ignored(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    candidate = peer()
    try:
        await candidate.connect(client, seeded.check.token)
        await candidate.next_message("metrics", within=10)
        junk_messages = (
            "{",
            "[]",
            '{"type": "pong", "seq": -1}',
            '{"type": "pong", "seq": 1' + "0" * 400 + "}",
            '{"type": "stats", "download_kbps": 1'
            + "0" * 400
            + ', "timings_ms": {"media": 1e999}}',
            "x" * 70_000,
            '{"type": 1}',
        )
        for junk in junk_messages:
            candidate.channel.send(junk)
        candidate.channel.send(b"\x00\x01")
        verdict = await candidate.next_message("verdict", within=20)
    finally:
        await candidate.close()
    assert verdict["result"]["overall"] == "ready"
