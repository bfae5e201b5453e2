"""The offer endpoint answers every bad input with a 4xx error object, never a 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.bench.candidate import FakeCandidate
from server.keys import peers_key
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform

Client = TestClient[Any, Any]

GARBAGE_SDP = "v=0\r\nthis is not sdp\r\nm=video nonsense\r\n"
NO_ICE_SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=sendrecv\r\n"
)


async def test_unknown_token_is_a_404(client: Client) -> None:
    response = await client.post("/c/no-such-token/offer", json={"sdp": "v=0", "type": "offer"})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    page = await client.get("/c/no-such-token")
    assert page.status == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{broken", 400),
        (b"[1, 2]", 422),
        (b'{"sdp": 5, "type": "offer"}', 422),
        (b'{"sdp": "v=0", "type": "answer"}', 422),
        (b'{"type": "offer"}', 422),
        (json.dumps({"sdp": GARBAGE_SDP, "type": "offer"}).encode(), 422),
        (json.dumps({"sdp": NO_ICE_SDP, "type": "offer"}).encode(), 422),
        (b'{"sdp": "' + b"a" * 70_000 + b'", "type": "offer"}', 413),
    ],
    ids=[
        "broken json",
        "array",
        "sdp not a string",
        "answer",
        "no sdp",
        "garbage",
        "no ice",
        "huge",
    ],
)
async def test_bad_offers_get_the_error_object(
    client: Client, seeded: Seeded, body: bytes, status: int
) -> None:
    response = await client.post(
        f"/c/{seeded.check.token}/offer", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == status
    error = (await response.json())["error"]
    assert set(error) == {"code", "message"}
    assert len(client.app[peers_key]) == 0, "a rejected offer leaves no session behind"
    assert (await client.get("/healthz")).status == 200


async def test_an_offer_that_arrives_in_pieces_is_read_whole(
    client: Client, seeded: Seeded
) -> None:
    peer = FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))
    try:
        body = json.dumps(await peer.offer()).encode()

        async def pieces() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 100):
                yield body[start : start + 100]
                await asyncio.sleep(0.01)

        response = await client.post(
            f"/c/{seeded.check.token}/offer",
            data=pieces(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status == 200, await response.text()
    finally:
        await peer.close()
        await client.app[peers_key].close_all()


@pytest.mark.parametrize(
    "path", ["/c/%00abc/offer", "/c/" + "a" * 65 + "/offer", "/c/..%2F..%2Fetc/offer"]
)
async def test_malformed_tokens_are_simply_not_found(client: Client, path: str) -> None:
    response = await client.post(path, json={"sdp": "v=0", "type": "offer"})
    assert response.status == 404


async def test_deeply_nested_json_is_a_400(client: Client, seeded: Seeded) -> None:
    response = await client.post(
        f"/c/{seeded.check.token}/offer",
        data=b"[" * 50_000,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
