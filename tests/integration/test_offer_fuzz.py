"""The offer endpoint under random input: never a 5xx, always the error object, no session left."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from server.media.rtc.sdp import parse_offer
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform

Client = TestClient[Any, Any]

FUZZ = settings(
    max_examples=400,
    deadline=None,
    # One app and one check serve every example: the app must survive them all in a row.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def real_offer() -> str:
    """An offer as an aiortc client peer writes it, made once: the seed of every SDP mutation."""

    async def make() -> str:
        peer = FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))
        try:
            return (await peer.offer())["sdp"]
        finally:
            await peer.close()

    return asyncio.run(make())


@dataclass(frozen=True)
class Target:
    client: Client
    token: str
    log: pytest.LogCaptureFixture


@pytest.fixture
def target(client: Client, seeded: Seeded, caplog: pytest.LogCaptureFixture) -> Target:
    return Target(client, seeded.check.token, caplog)


async def post_and_check(target: Target, body: bytes) -> int:
    """Post one body and hold the endpoint to its contract; leave no session behind."""
    peers = target.client.app[peers_key]
    target.log.clear()
    try:
        response = await target.client.post(
            f"/c/{target.token}/offer", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status < 500, await response.text()
        payload = await response.json()
        if response.status >= 400:
            assert set(payload) == {"error"}
            assert set(payload["error"]) == {"code", "message"}
            assert all(isinstance(value, str) for value in payload["error"].values())
        else:
            assert response.status == 200
            assert payload["type"] == "answer"
            # Only an offer that passes validation may start a session.
            parse_offer(json.loads(body)["sdp"])
    finally:
        await peers.close_all()
    assert len(peers) == 0
    assert (await target.client.get("/healthz")).status == 200
    # A session task that crashed logs at ERROR and would otherwise go unnoticed.
    crashes = [r for r in target.log.records if r.levelno >= logging.ERROR]
    assert not crashes, [r.getMessage() for r in crashes]
    return response.status


def as_body(data: Any) -> bytes:
    return json.dumps(data).encode()


# Random JSON: wrong types, nesting, and strings that take the body near or past its 64 KB limit.

big_text = st.builds(
    lambda piece, times: piece * times, st.text(min_size=1, max_size=4), st.integers(1, 20_000)
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=40,
)
offer_shaped = st.fixed_dictionaries(
    {
        "sdp": json_values | big_text,
        "type": st.sampled_from(["offer", "answer", "OFFER", ""]) | json_values,
    },
    optional={"session_id": json_values, "candidate": json_values},
)


@FUZZ
@given(body=st.binary(max_size=200) | json_values.map(as_body) | offer_shaped.map(as_body))
async def test_random_json_is_refused_cleanly(target: Target, body: bytes) -> None:
    event(f"status {await post_and_check(target, body)}")


# Random text as the SDP: free text and lines that start like SDP lines.

sdp_lines = st.builds(
    str.__add__,
    st.sampled_from(["v=", "o=", "s=", "t=", "c=", "m=", "a=", "b=", "m=audio ", "m=video "]),
    st.text(max_size=60),
)
sdp_texts = st.text(max_size=400) | st.lists(sdp_lines, max_size=30).map("\r\n".join)


@FUZZ
@given(sdp=sdp_texts)
async def test_random_text_as_sdp_is_refused_cleanly(target: Target, sdp: str) -> None:
    body = as_body({"sdp": sdp, "type": "offer"})
    event(f"status {await post_and_check(target, body)}")


# A real offer, mutated. Each mutation names lines by index modulo the count, so one list of
# mutations applies to any SDP and shrinks well.

Mutation = tuple[Any, ...]

odd_text = st.text(max_size=30) | st.sampled_from(
    ["\x00", "\r", "\n", "\x85", "\u2028", "\ud800", "\ufeff", " ", ":", "=", "/"]
)
numbers = st.integers(-1, 2**33) | st.sampled_from([0, 65535, 65536, 2**31, 2**64, 10**30])
mutations = st.lists(
    st.tuples(st.just("delete"), st.integers(0, 999))
    | st.tuples(st.just("duplicate"), st.integers(0, 999), st.integers(1, 30))
    | st.tuples(st.just("swap"), st.integers(0, 999), st.integers(0, 999))
    | st.tuples(st.just("truncate"), st.integers(0, 9999))
    | st.tuples(st.just("insert"), st.integers(0, 999), st.integers(0, 999), odd_text)
    | st.tuples(st.just("bytes"), st.integers(0, 9999), st.binary(min_size=1, max_size=16))
    | st.tuples(st.just("number"), st.integers(0, 999), numbers)
    | st.tuples(st.just("replace"), st.integers(0, 999), sdp_lines)
    | st.tuples(st.just("section"), st.integers(0, 9))
    | st.tuples(st.just("move"), st.integers(0, 9)),
    min_size=1,
    max_size=5,
)


def mutate(sdp: str, steps: Sequence[Mutation]) -> str:
    lines = sdp.split("\r\n")
    for step in steps:
        kind, where = step[0], step[1] % max(len(lines), 1)
        if kind == "delete" and lines:
            del lines[where]
        elif kind == "duplicate" and lines:
            lines[where:where] = [lines[where]] * step[2]
        elif kind == "swap" and lines:
            other = step[2] % len(lines)
            lines[where], lines[other] = lines[other], lines[where]
        elif kind == "truncate":
            lines = "\r\n".join(lines)[: step[1]].split("\r\n")
        elif kind == "insert" and lines:
            line = lines[where]
            at = step[2] % (len(line) + 1)
            lines[where] = line[:at] + step[3] + line[at:]
        elif kind == "bytes":
            text = "\r\n".join(lines)
            at = step[1] % (len(text) + 1)
            lines = (text[:at] + step[2].decode("latin-1") + text[at:]).split("\r\n")
        elif kind == "number" and lines:
            lines[where] = re.sub(r"\d+", str(step[2]), lines[where], count=1)
        elif kind == "replace" and lines:
            lines[where] = step[2]
        elif kind in ("section", "move"):
            starts = [i for i, line in enumerate(lines) if line.startswith("m=")]
            if starts:
                first = starts[step[1] % len(starts)]
                after = next((i for i in starts if i > first), len(lines))
                section = lines[first:after]
                if kind == "move":
                    del lines[first:after]
                lines.extend(section)
    return "\r\n".join(lines)


@FUZZ
@given(steps=mutations)
async def test_a_mutated_real_offer_is_answered_or_refused_cleanly(
    target: Target, real_offer: str, steps: list[Mutation]
) -> None:
    body = as_body({"sdp": mutate(real_offer, steps), "type": "offer"})
    event(f"status {await post_and_check(target, body)}")


async def test_the_unmutated_seed_is_answered(target: Target, real_offer: str) -> None:
    """Keeps the mutation test honest: its seed is an offer the server accepts."""
    parse_offer(real_offer)
    response = await target.client.post(
        f"/c/{target.token}/offer", json={"sdp": real_offer, "type": "offer"}
    )
    try:
        assert response.status == 200, await response.text()
    finally:
        await target.client.app[peers_key].close_all()


async def test_a_bundle_naming_no_section_leaves_nothing_open(
    target: Target, real_offer: str
) -> None:
    # The fuzz's first find: aiortc then could neither answer nor close the peer connection.
    body = as_body({"sdp": real_offer.replace("a=mid:0", "a=mid:7"), "type": "offer"})
    assert await post_and_check(target, body) == 422
