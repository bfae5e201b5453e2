"""The insight page: exact counts over a period for one organisation only, as a page with charts
and as CSV, and a bad period refused beside its field."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from server.checks.attempts import record_verdict
from server.models.check import Candidate
from server.models.feedback import Feedback
from server.models.result import Result
from server.store.checks import cancel_check, create_check
from server.store.db import create_engine, migrate
from server.store.feedback import record_feedback
from server.store.insight import InsightQuery, Readiness, insight
from server.store.orgs import create_org
from tests.conftest import Seeded, new_check
from tests.support.recruiters import create_recruiter, sign_in
from tests.support.results import a_result

Client = TestClient[Any, Any]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIREFOX = ("Firefox", "128", "Windows")
MAC = ("Chrome", "130", "macOS")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def params(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "until": self.last.isoformat()}


@pytest.fixture
async def signed_in(client: Client, seeded: Seeded, database_url: str) -> None:
    await sign_in(client, await create_recruiter(database_url, seeded.org_id))


@pytest.fixture
async def history(signed_in: None, seeded: Seeded, database_url: str) -> Period:
    """Signed in to the seeded organisation, whose interviews in the period are: the seeded
    one (in an hour, not checked) and four past ones; plus a cancelled one, one long ago, and
    another organisation's."""
    now = datetime.now(UTC)
    engine = create_engine(database_url)

    async def interview(org_id: str, starts: timedelta, name: str) -> str:
        candidate = Candidate(name=name, email=f"{name.lower()}@example.com")
        check = await create_check(
            engine, org_id, new_check(starts_at=now + starts, candidate=candidate)
        )
        return check.id

    async def attempt(result: Result, ease: int | None = None, comment: str | None = None) -> None:
        await record_verdict(engine, result)
        if ease is not None:
            answer = Feedback(attempt_id=result.attempt_id, ease=ease, comment=comment, at=now)
            assert await record_feedback(engine, result.check_id, answer)

    try:
        # Not ready at first (dark, Firefox, through the relay), ready the day before.
        second_try = await interview(seeded.org_id, -timedelta(days=2), "Alva")
        dark = {"lighting": ["lighting.too_dark"]}
        await attempt(
            a_result(
                second_try,
                "not_ready",
                reasons=dark,
                finished_at=now - timedelta(days=3),
                candidate_type="relay",
                browser=FIREFOX,
            )
        )
        await attempt(a_result(second_try, "ready", finished_at=now - timedelta(days=2, hours=1)))
        # Ready at once, on a Mac.
        at_once = await interview(seeded.org_id, -timedelta(days=1), "Bo")
        await attempt(
            a_result(at_once, "ready", finished_at=now - timedelta(days=1, hours=2), browser=MAC),
            ease=4,
            comment="Smooth",
        )
        # Checked only after the interview had started, with warnings.
        too_late = await interview(seeded.org_id, -timedelta(days=5), "Cleo")
        noisy = {"microphone": ["microphone.noisy"], "lighting": ["lighting.too_dark"]}
        await attempt(
            a_result(
                too_late, "warnings", reasons=noisy, finished_at=now - timedelta(days=5, hours=-1)
            ),
            ease=2,
            comment="Hard to find the microphone",
        )
        await interview(seeded.org_id, -timedelta(days=3), "Dan")  # never checked
        cancelled = await interview(seeded.org_id, -timedelta(days=1), "Eva")
        await attempt(a_result(cancelled, "not_ready", reasons={"camera": ["camera.black"]}))
        assert await cancel_check(engine, seeded.org_id, cancelled)
        long_ago = await interview(seeded.org_id, -timedelta(days=60), "Fred")
        await attempt(a_result(long_ago, "not_ready", reasons={"camera": ["camera.frozen"]}))
        other = await create_org(engine, "Other AB", [])
        theirs = await interview(other.id, -timedelta(days=1), "Gun")
        await attempt(
            a_result(theirs, "not_ready", reasons={"camera": ["camera.denied"]}),
            ease=1,
            comment="Another organisation's words",
        )
    finally:
        await engine.dispose()
    today = now.astimezone(STOCKHOLM).date()
    return Period(today - timedelta(days=10), today + timedelta(days=2))


async def test_the_figures_count_exactly_this_organisations_period(
    client: Client, history: Period
) -> None:
    response = await client.get("/dashboard/insight.csv", params=history.params())
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = (await response.read()).decode("utf-8-sig")
    listed = list(csv.DictReader(io.StringIO(text)))
    rows = {(row["section"], row["item"]): row for row in listed}

    def figure(section: str, item: str) -> tuple[str, str, str]:
        row = rows[(section, item)]
        return row["count"], row["of"], row["share_pct"]

    assert figure("readiness", "candidates")[0] == "5", "cancelled and out-of-period left out"
    assert figure("readiness", "checked") == ("3", "5", "")
    assert figure("readiness", "ready_first_attempt") == ("1", "3", "33")
    assert figure("readiness", "interviews_held") == ("4", "5", "")
    assert figure("readiness", "ready_by_interview") == ("2", "4", "50")
    problems = [
        (item, row["count"]) for (section, item), row in rows.items() if section == "problem"
    ]
    assert problems == [("lighting.too_dark", "2"), ("microphone.noisy", "1")]
    assert figure("browser:ready", "Chrome") == ("2", "3", "67")
    assert figure("browser:warnings", "Chrome") == ("1", "3", "33")
    assert figure("browser:not_ready", "Firefox") == ("1", "1", "100")
    assert figure("os:ready", "macOS") == ("1", "1", "100")
    assert figure("path:not_ready", "relay") == ("1", "1", "100")
    assert figure("path:ready", "direct") == ("2", "3", "67")
    answered = {
        item: row["mean_ease"]
        for (section, item), row in rows.items()
        if section == "feedback" and row["count"] != "0"
    }
    assert sorted(answered.values()) == ["2.00", "4.00"]
    days = [item for section, item in rows if section == "feedback"]
    assert days[0] == history.first.isoformat()
    assert len(days) == 13, "one per day"
    comments = [row["comment"] for row in listed if row["section"] == "comment"]
    assert sorted(comments) == ["Hard to find the microphone", "Smooth"]
    assert "camera" not in text, "the cancelled, the long-ago and the other organisation's"


async def test_the_page_draws_them_in_words_and_pictures(client: Client, history: Period) -> None:
    response = await client.get("/dashboard/insight", params=history.params())
    assert response.status == 200
    html = await response.text()
    assert "<h1>Insight</h1>" in html
    assert "1 of 3 (33 %)" in html, "ready at the first attempt"
    assert "2 of 4 (50 %)" in html, "ready by the interview"
    assert html.index("Camera too dark") < html.index("Noisy background"), "most common first"
    assert "Through the relay (TURN)" in html
    assert "Hard to find the microphone" in html
    assert "Smooth" in html
    assert "Another organisation" not in html
    lists = re.findall(r'<ul class="bars" id="chart-(\w+)" aria-label="([^"]+)"', html)
    assert [name for name, _ in lists] == ["readiness", "problems", "browser", "os", "path"]
    columns = re.search(r'<svg class="chart"[^>]*role="img" aria-labelledby="([^"]+)"', html)
    assert columns, "the feedback over time is an image"
    for label in columns[1].split():
        assert f'id="{label}"' in html, "with its name and description"
    assert "1 not ready" in html, "verdicts in words beside the bars, not colour alone"


async def test_in_swedish(client: Client, history: Period) -> None:
    headers = {"Accept-Language": "sv-SE,sv;q=0.9"}
    html = await (
        await client.get("/dashboard/insight", params=history.params(), headers=headers)
    ).text()
    assert "<h1>Insikt</h1>" in html
    assert "1 av 3 (33 %)" in html
    assert "Kameran för mörk" in html


async def test_the_last_thirty_days_by_default(client: Client, history: Period) -> None:
    html = await (await client.get("/dashboard/insight")).text()
    today = datetime.now(STOCKHOLM).date()
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
    assert "Smooth" in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-13-01"}, "from", "Give a date as YYYY-MM-DD."),
        ({"until": "yesterday"}, "until", "Give a date as YYYY-MM-DD."),
        ({"from": "2026-06-02", "until": "2026-06-01"}, "until", "must not be before"),
        ({"from": "2024-01-01", "until": "2026-01-01"}, "until", "at most a year"),
        ({"from": "\x00" * 500}, "from", "Give a date as YYYY-MM-DD."),
    ],
)
async def test_a_bad_period_is_refused_beside_its_field(
    client: Client, signed_in: None, params: dict[str, str], field: str, message: str
) -> None:
    response = await client.get("/dashboard/insight", params=params)
    assert response.status == 400
    html = await response.text()
    assert re.search(rf'id="{field}" name="{field}" type="date" [^>]*aria-invalid="true"', html)
    assert message in html
    assert 'class="bars"' not in html, "nothing counted"
    csv_response = await client.get("/dashboard/insight.csv", params=params)
    assert csv_response.status == 400


async def test_the_same_counts_on_sqlite_and_postgresql(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await migrate(engine)
        org = await create_org(engine, "Acme", [])
        now = datetime.now(UTC)
        starts = [now - timedelta(days=day, hours=1) for day in (1, 2, 9)]
        for index, starts_at in enumerate(starts):
            check = await create_check(engine, org.id, new_check(starts_at=starts_at))
            first = a_result(
                check.id,
                "not_ready" if index else "ready",
                reasons={"network": ["network.blocked"]} if index else None,
                finished_at=starts_at - timedelta(hours=2),
            )
            await record_verdict(engine, first)
            answer = Feedback(attempt_id=first.attempt_id, ease=index + 3, comment=None, at=now)
            assert await record_feedback(engine, check.id, answer)
        week = timedelta(days=7)
        begin = now - timedelta(days=14)
        query = InsightQuery(begin, now, buckets=(begin, begin + week))
        found = await insight(engine, org.id, query, now)
    finally:
        await engine.dispose()
    assert found.readiness == Readiness(
        candidates=3, checked=3, ready_first=1, held=3, ready_by_interview=1
    )
    assert found.problems == [("network.blocked", 2)]
    assert [(row.label, row.attempts) for row in found.outcomes["path"]] == [
        ("blocked", 2),
        ("direct", 1),
    ]
    assert [(point.answers, point.mean_ease) for point in found.feedback] == [(1, 5.0), (2, 3.5)]
    assert found.comments == []
