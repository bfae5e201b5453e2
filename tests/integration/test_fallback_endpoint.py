"""POST /c/{token}/fallback: a check the browser ran alone is stored; bad input changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.bench.candidate import FakeCandidate
from server.checks.service import MAX_FALLBACKS_PER_MINUTE
from server.keys import peers_key
from tests.conftest import Seeded
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform
from tests.unit.test_local_result import body


async def stored(client: TestClient[Any, Any], seeded: Seeded) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/checks/{seeded.check.id}",
        headers={"Authorization": f"Bearer {seeded.api_key}"},
    )
    check: dict[str, Any] = await response.json()
    return check


async def test_a_local_check_is_stored_with_the_network_blocked(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    response = await client.post(f"/c/{seeded.check.token}/fallback", json=body())
    assert response.status == 201, await response.text()
    result = (await response.json())["result"]
    check = await stored(client, seeded)
    assert check["latest_result"] == result
    assert check["status"] == "not_ready"
    assert result["checks"]["network"]["reasons"] == ["network.blocked"]


async def test_bad_input_is_refused_and_stores_nothing(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    url = f"/c/{seeded.check.token}/fallback"
    for payload, status in (
        (body(why="sideways"), 422),
        (body(camera={"frames": 1e9}), 422),
        ([], 422),
    ):
        response = await client.post(url, json=payload)
        assert response.status == status
        assert (await response.json())["error"]["code"] in ("invalid_fallback", "invalid_input")
    response = await client.post(url, data=b"{" + b" " * 5000 + b"}")
    assert response.status == 413
    response = await client.post(url, data=b"not json")
    assert response.status == 400
    response = await client.post("/c/" + "A" * 32 + "/fallback", json=body())
    assert response.status == 404
    check = await stored(client, seeded)
    assert check["latest_result"] is None
    assert check["status"] == "not_started"


async def test_a_flood_of_attempts_is_refused(client: TestClient[Any, Any], seeded: Seeded) -> None:
    url = f"/c/{seeded.check.token}/fallback"
    for _ in range(MAX_FALLBACKS_PER_MINUTE):
        assert (await client.post(url, json=body())).status == 201
    response = await client.post(url, json=body())
    assert response.status == 429
    assert response.headers["Retry-After"] == "60"
    assert (await response.json())["error"]["code"] == "too_many_attempts"


async def test_concurrent_requests_cannot_slip_past_the_limit(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    url = f"/c/{seeded.check.token}/fallback"
    responses = await asyncio.gather(*(client.post(url, json=body()) for _ in range(20)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [201] * MAX_FALLBACKS_PER_MINUTE + [429] * (20 - MAX_FALLBACKS_PER_MINUTE)


async def test_a_session_still_connecting_for_the_check_is_ended(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(PictureTrack([uniform(120, seed=0)]), SoundTrack(speech_like(1.0)))
    try:
        # The offer is answered, but this peer never applies the answer: ICE never comes up.
        response = await client.post(f"/c/{seeded.check.token}/offer", json=await peer.offer())
        session = client.app[peers_key].get((await response.json())["session_id"])
        assert session is not None
        response = await client.post(f"/c/{seeded.check.token}/fallback", json=body())
        assert response.status == 201
        assert session.closed
        assert len(client.app[peers_key]) == 0
    finally:
        await peer.close()
    assert (await stored(client, seeded))["status"] == "not_ready", "the fallback's verdict stands"


async def test_a_check_running_over_webrtc_is_left_alone(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = FakeCandidate(PictureTrack([uniform(120, seed=0)]), SoundTrack(speech_like(1.0)))
    try:
        await peer.connect(client, seeded.check.token)
        await peer.next_message("metrics", within=10)
        response = await client.post(f"/c/{seeded.check.token}/fallback", json=body())
        assert response.status == 409
        assert (await response.json())["error"]["code"] == "check_running"
        assert len(client.app[peers_key]) == 1
        verdict = await peer.next_message("verdict", within=20)
    finally:
        await peer.close()
    assert (await stored(client, seeded))["latest_result"] == verdict["result"]


NUMBERS = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    why=st.sampled_from(["blocked", "busy", "other", 3, None]),
    camera=st.one_of(
        st.none(), st.dictionaries(st.sampled_from(sorted(body()["camera"])), NUMBERS)
    ),
    microphone=st.one_of(
        st.none(), st.dictionaries(st.sampled_from(sorted(body()["microphone"])), NUMBERS)
    ),
)
async def test_no_body_makes_the_server_fail(
    client: TestClient[Any, Any], seeded: Seeded, why: Any, camera: Any, microphone: Any
) -> None:
    payload = {"why": why, "camera": camera, "microphone": microphone}
    response = await client.post(f"/c/{seeded.check.token}/fallback", json=payload)
    assert response.status in (201, 422, 429), await response.text()
