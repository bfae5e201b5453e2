"""POST /c/{token}/feedback: stored with the attempt, replaced by a new answer, read by the API;
anything else is refused and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import engine_key
from server.models.check import Check
from server.models.feedback import MAX_COMMENT_CHARS, FeedbackAnswer
from server.store.checks import create_check
from server.store.orgs import create_org
from tests.conftest import Seeded, new_check
from tests.unit.test_local_result import body as local_check

MAX_FEEDBACK_BYTES = FeedbackAnswer.max_bytes

Client = TestClient[Any, Any]


async def attempt_of(client: Client, check: Check) -> str:
    """A stored attempt, made the way a page without WebRTC makes one."""
    response = await client.post(f"/c/{check.token}/fallback", json=local_check())
    assert response.status == 201, await response.text()
    attempt_id: str = (await response.json())["result"]["attempt_id"]
    return attempt_id


async def read_check(client: Client, seeded: Seeded) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/checks/{seeded.check.id}", headers={"Authorization": f"Bearer {seeded.api_key}"}
    )
    assert response.status == 200
    check: dict[str, Any] = await response.json()
    return check


async def test_feedback_is_stored_and_read_beside_the_result(
    client: Client, seeded: Seeded
) -> None:
    attempt_id = await attempt_of(client, seeded.check)
    before = await read_check(client, seeded)
    assert before["feedback"] is None

    url = f"/c/{seeded.check.token}/feedback"
    answer = {"attempt_id": attempt_id, "ease": 4, "comment": "  Easy!\nThe lamp tip helped. "}
    response = await client.post(url, json=answer)
    assert response.status == 204, await response.text()
    assert await response.read() == b""
    assert response.headers["Cache-Control"] == "no-store"

    after = await read_check(client, seeded)
    feedback = after.pop("feedback")
    assert feedback.pop("at")
    assert feedback == {
        "attempt_id": attempt_id,
        "ease": 4,
        "comment": "Easy!\nThe lamp tip helped.",
    }
    before.pop("feedback")
    assert after == before, "the check and its result are unchanged"
    assert "feedback" not in after["latest_result"]


async def test_a_new_answer_replaces_the_earlier_one(client: Client, seeded: Seeded) -> None:
    attempt_id = await attempt_of(client, seeded.check)
    url = f"/c/{seeded.check.token}/feedback"
    first = {"attempt_id": attempt_id, "ease": 2, "comment": "Hard to find the settings"}
    assert (await client.post(url, json=first)).status == 204
    stored_first = (await read_check(client, seeded))["feedback"]

    assert (await client.post(url, json={"attempt_id": attempt_id, "ease": 5})).status == 204
    stored = (await read_check(client, seeded))["feedback"]
    assert (stored["ease"], stored["comment"]) == (5, None)
    assert datetime.fromisoformat(stored["at"]) >= datetime.fromisoformat(stored_first["at"])


async def test_feedback_on_a_later_attempt_is_the_one_shown(client: Client, seeded: Seeded) -> None:
    url = f"/c/{seeded.check.token}/feedback"
    earlier = await attempt_of(client, seeded.check)
    assert (await client.post(url, json={"attempt_id": earlier, "ease": 1})).status == 204
    later = await attempt_of(client, seeded.check)
    assert (await read_check(client, seeded))["feedback"]["attempt_id"] == earlier
    assert (await client.post(url, json={"attempt_id": later, "ease": 3})).status == 204
    assert (await read_check(client, seeded))["feedback"]["attempt_id"] == later


async def test_only_this_checks_attempts_take_feedback(client: Client, seeded: Seeded) -> None:
    engine = client.app[engine_key]
    same_org = await create_check(engine, seeded.org_id, new_check())
    other_org = await create_check(engine, (await create_org(engine, "Other", [])).id, new_check())
    ours = await attempt_of(client, seeded.check)
    url = f"/c/{seeded.check.token}/feedback"
    assert (await client.post(url, json={"attempt_id": ours, "ease": 3})).status == 204

    for check in (same_org, other_org):
        theirs = await attempt_of(client, check)
        # Through this link: not found, whichever organisation the attempt belongs to.
        response = await client.post(url, json={"attempt_id": theirs, "ease": 1})
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
        # Through theirs, our attempt is not found either.
        response = await client.post(
            f"/c/{check.token}/feedback", json={"attempt_id": ours, "ease": 1}
        )
        assert response.status == 404

    response = await client.post(url, json={"attempt_id": "f" * 32, "ease": 1})
    assert response.status == 404
    response = await client.post(
        "/c/" + "A" * 32 + "/feedback", json={"attempt_id": ours, "ease": 1}
    )
    assert response.status == 404
    stored = (await read_check(client, seeded))["feedback"]
    assert (stored["attempt_id"], stored["ease"]) == (ours, 3), "nothing changed"


@pytest.mark.parametrize(
    "answer",
    [
        {"ease": 0},
        {"ease": 6},
        {"ease": 2.5},
        {"ease": "4"},
        {"ease": True},
        {"ease": None},
        {"comment": "x" * (MAX_COMMENT_CHARS + 1)},
        {"comment": "bell\x07"},
        {"comment": "tab\there"},
        {"comment": 42},
        {"attempt_id": "not-an-id"},
        {"attempt_id": "F" * 32},
        {"extra": 1},
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    client: Client, seeded: Seeded, answer: dict[str, Any]
) -> None:
    attempt_id = await attempt_of(client, seeded.check)
    url = f"/c/{seeded.check.token}/feedback"
    good = {"attempt_id": attempt_id, "ease": 3, "comment": "Fine"}
    assert (await client.post(url, json=good)).status == 204
    stored = (await read_check(client, seeded))["feedback"]

    response = await client.post(url, json={**good, **answer})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_feedback"
    assert error["message"]
    assert (await read_check(client, seeded))["feedback"] == stored


async def test_malformed_and_oversized_bodies_are_refused(client: Client, seeded: Seeded) -> None:
    attempt_id = await attempt_of(client, seeded.check)
    url = f"/c/{seeded.check.token}/feedback"
    for data, status, code in (
        (b"not json", 400, "malformed_request"),
        (b"[1, 2]", 422, "invalid_feedback"),
        (b'"ease"', 422, "invalid_feedback"),
        (b"{" + b" " * MAX_FEEDBACK_BYTES + b"}", 413, "payload_too_large"),
    ):
        response = await client.post(url, data=data)
        assert response.status == status, data[:20]
        assert (await response.json())["error"]["code"] == code
    # The same limit holds when the length is not announced up front.
    big = {"attempt_id": attempt_id, "ease": 3, "comment": "x" * 5000}

    async def chunks() -> Any:
        yield json.dumps(big).encode()

    response = await client.post(url, data=chunks())
    assert response.status == 413
    assert (await read_check(client, seeded))["feedback"] is None


async def test_the_longest_comment_fits_the_body_limit(client: Client, seeded: Seeded) -> None:
    """A browser's JSON.stringify sends non-ASCII as UTF-8: four bytes for an emoji."""
    attempt_id = await attempt_of(client, seeded.check)
    comment = "😀" * MAX_COMMENT_CHARS
    body = json.dumps({"attempt_id": attempt_id, "ease": 5, "comment": comment}, ensure_ascii=False)
    assert len(body.encode()) <= MAX_FEEDBACK_BYTES
    response = await client.post(
        f"/c/{seeded.check.token}/feedback",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 204, await response.text()
    assert (await read_check(client, seeded))["feedback"]["comment"] == comment
