"""A check created over the API of a running server, as a vendor creates one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.bench.server import Server


def create_check(server: Server) -> dict[str, Any]:
    """A check starting in an hour, in English."""
    body = {
        "candidate": {"name": "Test Candidate", "email": "candidate@example.com"},
        "starts_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "duration_minutes": 30,
        "title": "Interview",
        "locale": "en",
    }
    created: dict[str, Any] = server.api("POST", "/api/v1/checks", body)
    return created


def token_of(check: dict[str, Any]) -> str:
    """The candidate link's token."""
    token: str = check["candidate_url"].rsplit("/", 1)[1]
    return token
