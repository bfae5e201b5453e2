"""The recruiter's board, a check's detail, and creating, editing and cancelling checks through
the dashboard's forms, as a signed-in recruiter does it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from yarl import URL

from server.bench.candidate import FakeCandidate
from server.checks.attempts import record_verdict
from server.models.feedback import Feedback
from server.store.checks import create_check
from server.store.db import create_engine
from server.store.feedback import record_feedback
from server.store.schema import checks
from tests.conftest import Seeded, new_check
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.recruiters import Recruiter, create_recruiter, origin, sign_in
from tests.support.results import a_result
from tests.support.synthetic import speech_like, uniform

Client = TestClient[Any, Any]
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
async def recruiter(database_url: str, seeded: Seeded) -> Recruiter:
    return await create_recruiter(database_url, seeded.org_id)


@pytest.fixture
async def csrf(client: Client, recruiter: Recruiter) -> str:
    """Signed in; the session's CSRF token."""
    return await sign_in(client, recruiter)


def badge(html: str, check_id: str) -> dict[str, str]:
    row = re.search(rf'<tr data-check-id="{check_id}">(.*?)</tr>', html, re.S)
    assert row, f"a row for {check_id}"
    found = re.search(
        r'data-testid="status-badge"\s+data-status="(\w+)" data-at-risk="(\w+)"', row[1]
    )
    assert found
    return {"status": found[1], "at_risk": found[2], "html": row[1]}


def check_form(**overrides: str) -> dict[str, str]:
    starts = (datetime.now(STOCKHOLM) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "candidate_name": "Märta Kandidat",
        "candidate_email": "marta@example.se",
        "title": "Intervju: Utvecklare",
        "starts_at": starts,
        "time_zone": "Europe/Stockholm",
        "duration_minutes": "45",
        "agenda": "Presentation\nCase\n",
        "interviewers": "Kim",
        "join_url": "https://meet.example.com/x",
        "locale": "sv",
    }
    form.update(overrides)
    return form


async def count_checks(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(checks)
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_the_board_shows_readiness_with_who_is_at_risk_first(
    client: Client, csrf: str, seeded: Seeded, database_url: str
) -> None:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    try:
        ready = await create_check(
            engine, seeded.org_id, new_check(starts_at=now + timedelta(hours=1))
        )
        await record_verdict(engine, a_result(ready.id, "ready"))
        dark = await create_check(
            engine,
            seeded.org_id,
            new_check(
                starts_at=now + timedelta(minutes=90),
                candidate=seeded.check.details().candidate.model_copy(update={"name": "Dana Dark"}),
            ),
        )
        await record_verdict(
            engine, a_result(dark.id, "not_ready", reasons={"lighting": ["lighting.too_dark"]})
        )
        later = await create_check(
            engine, seeded.org_id, new_check(starts_at=now + timedelta(days=3))
        )
    finally:
        await engine.dispose()
    html = await (await client.get("/dashboard")).text()

    at_risk, _, upcoming = html.partition('id="upcoming-heading"')
    assert seeded.check.id in at_risk, "within 24 h and never started"
    assert dark.id in at_risk, "within 2 h and not ready"
    assert ready.id not in at_risk
    assert later.id not in at_risk
    assert "Interview within 2 hours and not ready" in at_risk

    ready_row = badge(upcoming, ready.id)
    assert (ready_row["status"], ready_row["at_risk"]) == ("ready", "false")
    dark_row = badge(upcoming, dark.id)
    assert (dark_row["status"], dark_row["at_risk"]) == ("not_ready", "true")
    assert "Camera too dark" in dark_row["html"], "the reason in plain words"
    assert "Not ready" in dark_row["html"], "text, not colour alone"
    assert "✕" in dark_row["html"], "and an icon"
    order = [upcoming.index(check_id) for check_id in (ready.id, dark.id, later.id)]
    assert order == sorted(order), "soonest first"


async def test_filters_and_search(
    client: Client, csrf: str, seeded: Seeded, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        other = await create_check(
            engine, seeded.org_id, new_check(starts_at=tomorrow, title="Interview: Designer")
        )
        await record_verdict(
            engine, a_result(other.id, "warnings", reasons={"microphone": ["microphone.noisy"]})
        )
    finally:
        await engine.dispose()

    async def shown(query: str) -> set[str]:
        response = await client.get(f"/dashboard?{query}")
        assert response.status == 200
        _, _, upcoming = (await response.text()).partition('id="upcoming-heading"')
        return set(re.findall(r'<tr data-check-id="(\w+)"', upcoming))

    assert await shown("") == {seeded.check.id, other.id}
    assert await shown("q=designer") == {other.id}
    assert await shown("q=TEST+candidate") == {seeded.check.id, other.id}
    assert await shown("q=%25") == set(), "a LIKE wildcard is searched for, not used"
    assert await shown("status=warnings") == {other.id}
    assert await shown("at_risk=1") == {seeded.check.id}
    day_after = (datetime.now(STOCKHOLM) + timedelta(days=2)).date().isoformat()
    assert await shown(f"from={day_after}") == set()


@pytest.mark.parametrize(
    "query",
    [
        "status=nope",
        "from=2026-13-45",
        "until=yesterday",
        "q=" + "x" * 500,
        "q=%00",
        "after=garbage",
    ],
)
async def test_bad_filter_values_are_dropped_and_said_so(
    client: Client, csrf: str, seeded: Seeded, query: str
) -> None:
    response = await client.get(f"/dashboard?{query}")
    assert response.status == 200
    html = await response.text()
    assert seeded.check.id in html
    if not query.startswith("after"):
        assert 'aria-invalid="true"' in html or "were not valid" in html


async def test_pages_follow_the_users_language(client: Client, csrf: str, seeded: Seeded) -> None:
    english = await (await client.get("/dashboard", headers={"Accept-Language": "en"})).text()
    swedish = await (
        await client.get("/dashboard", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
    ).text()
    assert '<html lang="en">' in english
    assert "Upcoming interviews" in english
    assert '<html lang="sv">' in swedish
    assert "Kommande intervjuer" in swedish
    await client.post(
        "/dashboard/preferences",
        data={"csrf_token": csrf, "locale": "sv", "time_zone": "Europe/Stockholm"},
        headers=origin(client),
    )
    chosen = await (await client.get("/dashboard", headers={"Accept-Language": "en"})).text()
    assert '<html lang="sv">' in chosen, "the user's choice wins over the browser's"


@pytest.mark.parametrize(
    ("form", "invalid"),
    [
        ({"locale": "de", "time_zone": "Europe/Stockholm"}, "locale"),
        ({"locale": "sv", "time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
async def test_preferences_show_the_choice_and_refuse_a_bad_one_beside_its_field(
    client: Client, csrf: str, form: dict[str, str], invalid: str
) -> None:
    page = await client.get("/dashboard/preferences")
    assert page.status == 200
    html = await page.text()
    assert re.search(r'<option value="auto" selected>', html), "the browser's language"
    assert "<option selected>Europe/Stockholm</option>" in html
    assert "aria-invalid" not in html

    refused = await client.post(
        "/dashboard/preferences", data={"csrf_token": csrf, **form}, headers=origin(client)
    )
    assert refused.status == 422
    html = await refused.text()
    assert re.search(rf'id="{invalid}"[^>]*aria-invalid="true"', html)
    assert f'id="{invalid}-error"' in html
    assert html.count('aria-invalid="true"') == 1, "only the bad field is marked"


async def test_creating_a_check_through_the_form(
    client: Client, csrf: str, database_url: str
) -> None:
    response = await client.post(
        "/dashboard/checks",
        data={"csrf_token": csrf, **check_form()},
        headers=origin(client),
        allow_redirects=False,
    )
    assert response.status == 303
    detail = await client.get(response.headers["Location"])
    html = await detail.text()
    assert "Märta Kandidat" in html
    assert "Europe/Stockholm" in html
    link = re.search(r'id="candidate-url" type="text" readonly value="([^"]+)"', html)
    assert link
    page = await client.get(URL(link[1]).path)
    assert page.status == 200, "the candidate's link works"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("candidate_email", "not-an-address"),
        ("candidate_name", "\u0007bell"),
        ("candidate_name", "x" * 201),
        ("title", ""),
        ("starts_at", "tomorrow"),
        ("starts_at", "2001-01-01T10:00"),
        ("time_zone", "Mars/Olympus"),
        ("duration_minutes", "99999999999999999999"),
        ("join_url", "javascript:alert(1)"),
        ("locale", "de"),
    ],
)
async def test_a_bad_form_is_shown_again_with_the_error_beside_its_field(
    client: Client, csrf: str, database_url: str, field: str, value: str
) -> None:
    before = await count_checks(database_url)
    response = await client.post(
        "/dashboard/checks",
        data={"csrf_token": csrf, **check_form(**{field: value})},
        headers=origin(client),
        allow_redirects=False,
    )
    assert response.status == 422
    html = await response.text()
    expected_field = "starts_at" if field == "starts_at" else field
    assert re.search(rf'id="{expected_field}"[^>]*aria-invalid="true"', html), html[:2000]
    assert f'id="{expected_field}-error"' in html
    assert await count_checks(database_url) == before, "nothing stored"


async def test_editing_and_cancelling_a_check(client: Client, csrf: str, seeded: Seeded) -> None:
    edit = await client.get(f"/dashboard/checks/{seeded.check.id}/edit")
    assert edit.status == 200
    assert 'value="Test Candidate"' in await edit.text()
    response = await client.post(
        f"/dashboard/checks/{seeded.check.id}",
        data={"csrf_token": csrf, **check_form(title="Moved interview")},
        headers=origin(client),
        allow_redirects=False,
    )
    assert response.status == 303
    html = await (await client.get(f"/dashboard/checks/{seeded.check.id}")).text()
    assert "Moved interview" in html
    assert (await client.get(f"/c/{seeded.check.token}")).status == 200, "the same link"

    cancelled = await client.post(
        f"/dashboard/checks/{seeded.check.id}/cancel",
        data={"csrf_token": csrf},
        headers=origin(client),
        allow_redirects=False,
    )
    assert cancelled.status == 303
    html = await (await client.get(f"/dashboard/checks/{seeded.check.id}")).text()
    assert 'data-status="cancelled"' in html
    assert (await client.get(f"/c/{seeded.check.token}")).status == 404, "the link stops working"
    assert (await client.get(f"/c/{seeded.check.token}/info")).status == 404
    again = await client.post(
        f"/dashboard/checks/{seeded.check.id}",
        data={"csrf_token": csrf, **check_form()},
        headers=origin(client),
    )
    assert again.status == 409, "a cancelled check is not edited"


async def test_the_detail_tells_every_attempt_in_plain_words(
    client: Client, csrf: str, seeded: Seeded, database_url: str
) -> None:
    result = a_result(
        seeded.check.id,
        "warnings",
        reasons={"network": ["network.relay"], "lighting": ["lighting.backlit"]},
        candidate_type="relay",
        browser=("Firefox", "128", "Windows"),
    )
    engine = create_engine(database_url)
    try:
        await record_verdict(engine, result)
        await record_feedback(
            engine,
            seeded.check.id,
            Feedback(
                attempt_id=result.attempt_id, ease=2, comment="Lampan <b>", at=datetime.now(UTC)
            ),
        )
    finally:
        await engine.dispose()
    html = await (await client.get(f"/dashboard/checks/{seeded.check.id}")).text()
    assert "Firefox 128 on Windows" in html
    assert "Through the relay (TURN)" in html
    assert "Backlit — light behind the candidate" in html
    assert "strong light behind you" in html, "the fix the candidate was shown"
    assert "Round trip (ms)" in html
    assert "12.5" in html
    assert "2 of 5" in html
    assert "Lampan &lt;b&gt;" in html, "the candidate's words escaped"


async def test_csv_export_of_the_filtered_list(
    client: Client, csrf: str, seeded: Seeded, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        formula = await create_check(
            engine,
            seeded.org_id,
            new_check(
                candidate=seeded.check.details().candidate.model_copy(
                    update={"name": "=HYPERLINK(1)"}
                )
            ),
        )
        await record_verdict(
            engine, a_result(formula.id, "not_ready", reasons={"camera": ["camera.black"]})
        )
    finally:
        await engine.dispose()
    response = await client.get("/dashboard/checks.csv?status=not_ready")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["check_id"] for row in rows] == [formula.id]
    assert rows[0]["candidate_name"] == "'=HYPERLINK(1)", "never a formula"
    assert rows[0]["reasons"] == "camera.black"
    assert rows[0]["at_risk"] == "not_ready_soon"


@pytest.mark.parametrize(
    ("given", "stored"),
    [("America/New_York", "America/New_York"), ("Mars/Olympus_Mons", None), (None, None)],
)
async def test_the_candidates_own_time_from_their_browser(
    client: Client,
    csrf: str,
    seeded: Seeded,
    given: str | None,
    stored: str | None,
) -> None:
    candidate = FakeCandidate(PictureTrack([uniform(130)]), SoundTrack(speech_like(1.0)))
    try:
        offer = {**await candidate.offer(), "time_zone": given}
        response = await client.post(f"/c/{seeded.check.token}/offer", json=offer)
        assert response.status == 200, "an unknown zone never fails the candidate's check"
    finally:
        await candidate.close()
    api = await client.get(
        f"/api/v1/checks/{seeded.check.id}",
        headers={"Authorization": f"Bearer {seeded.api_key}"},
    )
    assert (await api.json())["candidate_time_zone"] == stored
    board = await (await client.get("/dashboard")).text()
    detail = await (await client.get(f"/dashboard/checks/{seeded.check.id}")).text()
    if stored is None:
        assert 'data-testid="candidate-time"' not in board + detail
    else:
        there = seeded.check.starts_at.astimezone(ZoneInfo(stored)).strftime("%Y-%m-%d %H:%M")
        assert f"Candidate&#39;s time: {there}, America/New_York (E" in board
        assert there in detail.split('data-testid="candidate-time"')[1][:200]
