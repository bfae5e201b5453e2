"""POST /c/{token}/fallback: a check the browser ran alone is stored; bad input changes nothing."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import peers_key
from server.web.candidate import MAX_FALLBACKS_PER_MINUTE
from tests.conftest import Seeded
from tests.support.peer import ClientPeer, PictureTrack, SoundTrack
from tests.support.synthetic import speech_like, uniform
from tests.unit.test_fallback import body


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


async def test_a_session_still_connecting_for_the_check_is_ended(
    client: TestClient[Any, Any], seeded: Seeded
) -> None:
    peer = ClientPeer(PictureTrack([uniform(120, seed=0)]), SoundTrack(speech_like(1.0)))
    try:
        await peer.connect(client, seeded.check.token)
        session = client.app[peers_key].get(peer.session_id)
        assert session is not None
        response = await client.post(f"/c/{seeded.check.token}/fallback", json=body())
        assert response.status == 201
        assert session.closed
        assert len(client.app[peers_key]) == 0
    finally:
        await peer.close()
    assert (await stored(client, seeded))["status"] == "not_ready", "the fallback's verdict stands"
