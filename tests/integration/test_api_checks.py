"""Creating and reading checks over the REST API, as a vendor would."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.conftest import AiohttpClient, Seeded

Client = TestClient[Any, Any]


def auth(seeded: Seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.api_key}"}


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "candidate": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "time_zone": "Europe/Stockholm",
        "duration_minutes": 45,
        "title": "Interview: Engineer",
        "agenda": ["Introductions", "Case"],
        "interviewers": ["Grace Hopper"],
        "join_url": "https://meet.example.com/abc",
        "locale": "sv",
    }
    body.update(overrides)
    return body


async def test_create_then_read_a_check(client: Client, seeded: Seeded) -> None:
    response = await client.post("/api/v1/checks", json=payload(), headers=auth(seeded))
    assert response.status == 201
    created = await response.json()
    assert created["status"] == "not_started"
    assert created["latest_result"] is None
    token = created["candidate_url"].rsplit("/c/", 1)[1]
    assert len(token) >= 22, "at least 128 bits of token"

    response = await client.get(f"/api/v1/checks/{created['id']}", headers=auth(seeded))
    assert response.status == 200
    assert await response.json() == created

    page = await client.get(f"/c/{token}")
    assert page.status == 200
    assert "frame-ancestors https://vendor.example" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    info = await (await client.get(f"/c/{token}/info")).json()
    assert info["title"] == "Interview: Engineer"
    assert info["locale"] == "sv"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer gr_ÿþ" + "x" * 30},
    ],
    ids=["missing", "wrong key", "wrong scheme", "not ascii"],
)
async def test_api_requires_a_valid_key(
    client: Client, seeded: Seeded, headers: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/checks/{seeded.check.id}", headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_another_organisations_check_is_not_found(client: Client, seeded: Seeded) -> None:
    from server.keys import engine_key
    from server.store.orgs import create_api_key, create_org

    engine = client.app[engine_key]
    other = await create_org(engine, "Other", [])
    key = await create_api_key(engine, other.id)
    response = await client.get(
        f"/api/v1/checks/{seeded.check.id}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 404


@pytest.mark.parametrize(
    "body",
    [
        payload(starts_at="2030-05-04T12:00:00"),
        payload(starts_at="tomorrow"),
        payload(duration_minutes="45"),
        payload(duration_minutes=True),
        payload(candidate={"name": "A", "email": "not-an-email"}),
        payload(join_url="javascript:alert(1)"),
        payload(title=""),
        payload(title="x" * 201),
        payload(locale="de"),
        payload(agenda="one item"),
        payload(extra=1),
        payload(title="nul \x00 inside"),
        payload(candidate={"name": "A\nB", "email": "a@example.com"}),
        payload(agenda=["fine", "line\rbreak"]),
    ],
)
async def test_invalid_checks_are_rejected_and_nothing_is_created(
    client: Client, seeded: Seeded, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/checks", json=body, headers=auth(seeded))
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_input"
    assert error["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        # An escaped lone surrogate is JSON syntax but not text.
        json.dumps(payload(title="bad \ud800 surrogate")).encode(),
    ],
)
async def test_broken_json_is_a_400(client: Client, seeded: Seeded, body: bytes) -> None:
    response = await client.post(
        "/api/v1/checks",
        data=body,
        headers={**auth(seeded), "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_request"


async def test_oversized_body_is_a_413(client: Client, seeded: Seeded) -> None:
    response = await client.post(
        "/api/v1/checks", json=payload(title="x" * 70_000), headers=auth(seeded)
    )
    assert response.status == 413


@pytest.mark.parametrize("check_id", ["%00", "x" * 40, "0" * 31])
async def test_malformed_check_ids_are_not_found(
    client: Client, seeded: Seeded, check_id: str
) -> None:
    response = await client.get(f"/api/v1/checks/{check_id}", headers=auth(seeded))
    assert response.status == 404


async def test_healthz(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_healthz_says_unavailable_when_the_database_is_gone(
    aiohttp_client: AiohttpClient, settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-dir" / "gone.db"
    app = create_app(replace(settings, database_url=f"sqlite:///{missing}"))
    client: Client = await aiohttp_client(app)
    response = await client.get("/healthz")
    assert response.status == 503
    # After a failed connect aiosqlite stops its worker thread without waiting for it; the thread
    # then answers this test's event loop, which must still be open (else the next test fails).
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            await asyncio.to_thread(thread.join, 5)


async def test_patch_moves_an_interview_and_keeps_the_link(client: Client, seeded: Seeded) -> None:
    created = await (
        await client.post("/api/v1/checks", json=payload(), headers=auth(seeded))
    ).json()
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    response = await client.patch(
        f"/api/v1/checks/{created['id']}",
        json={"starts_at": later.isoformat(), "title": "Moved", "join_url": None},
        headers=auth(seeded),
    )
    assert response.status == 200
    moved = await response.json()
    assert moved["starts_at"] == later.isoformat()
    assert moved["title"] == "Moved"
    assert moved["join_url"] is None
    assert moved["candidate_url"] == created["candidate_url"]
    assert moved["agenda"] == created["agenda"], "fields left out stay"
    assert moved["expires_at"] > created["expires_at"], "the link lives until the new end"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": None}, 422),
        ({"duration_minutes": 2}, 422),
        ({"starts_at": "2001-01-01T00:00:00+00:00"}, 422),
        ({"status": "ready"}, 422),
        ({"candidate": {"name": "A"}}, 422),
        ("not an object", 422),
    ],
)
async def test_patch_refuses_bad_changes_and_changes_nothing(
    client: Client, seeded: Seeded, body: object, status: int
) -> None:
    before = await (
        await client.get(f"/api/v1/checks/{seeded.check.id}", headers=auth(seeded))
    ).json()
    response = await client.patch(
        f"/api/v1/checks/{seeded.check.id}", json=body, headers=auth(seeded)
    )
    assert response.status == status
    assert "error" in await response.json()
    after = await (
        await client.get(f"/api/v1/checks/{seeded.check.id}", headers=auth(seeded))
    ).json()
    assert after == before


async def test_cancel_stops_the_link_and_is_final(client: Client, seeded: Seeded) -> None:
    response = await client.post(f"/api/v1/checks/{seeded.check.id}/cancel", headers=auth(seeded))
    assert response.status == 200
    assert (await response.json())["status"] == "cancelled"
    again = await client.post(f"/api/v1/checks/{seeded.check.id}/cancel", headers=auth(seeded))
    assert again.status == 200, "cancelling twice is one cancel"
    assert (await client.get(f"/c/{seeded.check.token}/info")).status == 404
    offer = await client.post(
        f"/c/{seeded.check.token}/offer", json={"sdp": "v=0", "type": "offer"}
    )
    assert offer.status == 404
    edit = await client.patch(
        f"/api/v1/checks/{seeded.check.id}", json={"title": "x"}, headers=auth(seeded)
    )
    assert edit.status == 409
    assert (await edit.json())["error"]["code"] == "check_cancelled"
