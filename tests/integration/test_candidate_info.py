"""GET /c/{token}/info: what the check page needs to greet the candidate and set expectations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import engine_key
from server.models.check import Candidate
from server.store.checks import create_check
from server.store.orgs import create_org
from tests.conftest import Seeded, new_check

Client = TestClient[Any, Any]


async def test_info_has_everything_the_page_shows(client: Client) -> None:
    engine = client.app[engine_key]
    org = await create_org(
        engine, "Acme Recruiting", ["https://vendor.example", "http://localhost:8080"]
    )
    starts = datetime(2031, 3, 30, 8, 30, tzinfo=UTC)
    check = await create_check(
        engine,
        org.id,
        new_check(
            candidate=Candidate(name="Åsa Öberg", email="asa@example.com"),
            starts_at=starts,
            time_zone="Europe/Stockholm",
            duration_minutes=45,
            title="Interview: Backend Engineer",
            locale="sv",
            agenda=["Introductions", "Your experience", "Questions for us"],
            interviewers=["Sam Recruiter", "Kim Engineer"],
            join_url="https://meet.example.com/backend",
        ),
    )
    response = await client.get(f"/c/{check.token}/info")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    info = await response.json()
    assert info.pop("ice_servers") == []
    assert info == {
        "title": "Interview: Backend Engineer",
        "locale": "sv",
        "starts_at": "2031-03-30T08:30:00+00:00",
        "duration_minutes": 45,
        "time_zone": "Europe/Stockholm",
        "agenda": ["Introductions", "Your experience", "Questions for us"],
        "interviewers": ["Sam Recruiter", "Kim Engineer"],
        "join_url": "https://meet.example.com/backend",
        "candidate_name": "Åsa Öberg",
        "organisation": "Acme Recruiting",
        "embed_origins": ["https://vendor.example", "http://localhost:8080"],
    }


async def test_optional_details_are_empty_not_missing(client: Client) -> None:
    engine = client.app[engine_key]
    org = await create_org(engine, "Quiet Org", [])
    check = await create_check(engine, org.id, new_check())
    info = await (await client.get(f"/c/{check.token}/info")).json()
    assert info["agenda"] == []
    assert info["interviewers"] == []
    assert info["join_url"] is None
    assert info["embed_origins"] == []
    assert info["organisation"] == "Quiet Org"


async def test_the_candidates_email_is_not_given_out(client: Client, seeded: Seeded) -> None:
    body = await (await client.get(f"/c/{seeded.check.token}/info")).text()
    assert seeded.check.candidate_email not in body


async def test_an_unknown_or_malformed_token_is_not_found(client: Client, seeded: Seeded) -> None:
    for token in ("A" * 32, "short", seeded.check.token + "x"):
        response = await client.get(f"/c/{token}/info")
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
