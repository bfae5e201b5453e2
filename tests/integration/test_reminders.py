"""Reminders from the API to a real SMTP server (aiosmtpd): planned when a check is made, sent on
time by the scheduler, re-planned when the interview moves, replaced by one cancellation when it
is cancelled, retried or given up as the mail server answers, and shown per check.

The scheduler is run at chosen moments (`run_once(now)`), so that a day can pass in a test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.checks.attempts import record_verdict
from server.config import Settings
from server.keys import engine_key, settings_key
from server.notify.calendar import event_uid
from server.notify.scheduler import Scheduler
from server.notify.smtp import Mailer, SmtpSettings
from server.store.orgs import set_reminder_settings
from tests.conftest import AiohttpClient, Seeded
from tests.support.recruiters import create_recruiter, sign_in
from tests.support.results import a_result
from tests.support.smtp import SmtpServer, running_smtp

Client = TestClient[Any, Any]
SENDER = "Greenroom <reminders@greenroom.example>"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
async def mail_client(
    aiohttp_client: AiohttpClient, settings: Settings, smtp: SmtpServer
) -> Client:
    # The app's own scheduler looks once at start-up and then not for an hour: the tests move
    # time themselves.
    with_mail = replace(settings, smtp_url=smtp.url, mail_from=SENDER, scheduler_seconds=3600)
    client: Client = await aiohttp_client(create_app(with_mail))
    return client


def scheduler(client: Client) -> Scheduler:
    app = client.app
    settings = app[settings_key]
    return Scheduler(app[engine_key], settings, Mailer(SmtpSettings.parse(settings.smtp_url)))


def auth(seeded: Seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.api_key}"}


async def create(client: Client, seeded: Seeded, starts_at: datetime, **fields: Any) -> Any:
    body = {
        "candidate": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "starts_at": starts_at.isoformat(),
        "time_zone": "Europe/Stockholm",
        "duration_minutes": 45,
        "title": "Interview: Engineer",
        "agenda": ["Introductions", "Case"],
        "interviewers": ["Grace Hopper"],
        "join_url": "https://meet.example.com/abc",
        "locale": "en",
        **fields,
    }
    response = await client.post("/api/v1/checks", json=body, headers=auth(seeded))
    assert response.status == 201, await response.text()
    return await response.json()


async def reminders(client: Client, seeded: Seeded, check_id: str) -> dict[int, dict[str, Any]]:
    response = await client.get(f"/api/v1/checks/{check_id}", headers=auth(seeded))
    found = (await response.json())["reminders"]
    assert found["enabled"]
    return {
        item["offset_minutes"] if item["kind"] == "reminder" else 0: item for item in found["items"]
    }


def calendar_of(message: EmailMessage) -> icalendar.Component:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    assert str(calendar["method"]) == part.get_param("method")
    return event


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def test_a_check_booked_inside_the_last_window_gets_one_reminder_at_once(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    starts = now_minute() + timedelta(minutes=40)
    check = await create(mail_client, seeded, starts, locale="sv", title="Intervju: Utvecklare")
    now = datetime.now(UTC)

    assert await scheduler(mail_client).run_once(now) == 1
    assert await scheduler(mail_client).run_once(now + timedelta(minutes=5)) == 0
    [message] = smtp.inbox.received
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"].startswith("Påminnelse: Intervju: Utvecklare")
    text = text_of(message)
    assert "Din intervju med Acme börjar snart." in text
    assert "Gå med i intervjun: https://meet.example.com/abc" in text, "the last one has the link"
    assert check["candidate_url"] in text
    event = calendar_of(message)
    local = starts.astimezone(event.decoded("dtstart").tzinfo)
    assert f"När: {local:%Y-%m-%d %H:%M} Europe/Stockholm" in text
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") == starts + timedelta(minutes=45)

    planned = await reminders(mail_client, seeded, check["id"])
    assert (planned[1440]["state"], planned[1440]["last_error"]) == ("skipped", "window_passed")
    assert planned[60]["state"] == "sent"
    assert planned[60]["sent_at"] is not None


async def test_on_time_with_one_event_across_a_reschedule(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    starts = now_minute() + timedelta(days=3)
    check = await create(mail_client, seeded, starts)
    send = scheduler(mail_client).run_once
    assert await send(datetime.now(UTC)) == 0
    assert await send(starts - timedelta(hours=24)) == 1
    first = smtp.inbox.received[-1]
    assert "This is a reminder of your interview with Acme." in text_of(first)
    assert "Join the interview" not in text_of(first), "only the last reminder has the join link"

    moved = starts + timedelta(days=1, hours=2)
    response = await mail_client.patch(
        f"/api/v1/checks/{check['id']}", json={"starts_at": moved.isoformat()}, headers=auth(seeded)
    )
    assert response.status == 200
    planned = await reminders(mail_client, seeded, check["id"])
    assert planned[1440]["state"] == planned[60]["state"] == "pending"
    assert planned[1440]["due_at"] == (moved - timedelta(hours=24)).isoformat()

    assert await send(starts - timedelta(hours=1)) == 0, "nothing left at the old times"
    assert await send(moved - timedelta(hours=24)) == 1
    assert await send(moved - timedelta(hours=1)) == 1
    second, last = smtp.inbox.received[-2:]
    assert "Join the interview: https://meet.example.com/abc" in text_of(last)
    events = [calendar_of(message) for message in (first, second, last)]
    assert {str(event["uid"]) for event in events} == {event_uid(check["id"])}
    assert [event.decoded("sequence") for event in events] == [0, 1, 1]
    assert [event.decoded("dtstart") for event in events] == [starts, moved, moved]
    assert len({m["Message-ID"] for m in (first, second, last)}) == 3


async def test_a_cancelled_interview_gets_one_cancellation_and_nothing_more(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    starts = now_minute() + timedelta(days=2)
    check = await create(mail_client, seeded, starts, locale="sv", title="Intervju")
    send = scheduler(mail_client).run_once
    assert await send(starts - timedelta(hours=24)) == 1
    for _ in range(2):  # cancelling twice is one cancel
        response = await mail_client.post(
            f"/api/v1/checks/{check['id']}/cancel", headers=auth(seeded)
        )
        assert (await response.json())["status"] == "cancelled"

    assert await send(datetime.now(UTC)) == 1
    assert await send(starts - timedelta(hours=1)) == 0
    reminder, cancellation = smtp.inbox.received
    assert cancellation["Subject"].startswith("Inställd: Intervju")
    assert "har ställts in" in text_of(cancellation)
    before, after = calendar_of(reminder), calendar_of(cancellation)
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("sequence") == before.decoded("sequence") + 1
    assert str(after["status"]) == "CANCELLED"
    assert 'method="CANCEL"' in str(
        next(p for p in cancellation.iter_attachments())["Content-Type"]
    )
    planned = await reminders(mail_client, seeded, check["id"])
    assert (planned[60]["state"], planned[60]["last_error"]) == ("skipped", "interview_cancelled")
    assert planned[0]["state"] == "sent"


async def test_a_temporary_refusal_is_retried_later_and_a_permanent_one_kept(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    starts = now_minute() + timedelta(minutes=50)
    check = await create(mail_client, seeded, starts)
    now = datetime.now(UTC)
    send = scheduler(mail_client).run_once

    smtp.inbox.refuse_with = "451 4.3.0 Mailbox busy, try again later"
    assert await send(now) == 1
    planned = (await reminders(mail_client, seeded, check["id"]))[60]
    assert (planned["state"], planned["tries"]) == ("pending", 1)
    assert "451" in planned["last_error"]
    assert planned["due_at"] == (now + timedelta(minutes=1)).isoformat(), "backs off a minute"
    assert await send(now + timedelta(seconds=30)) == 0
    smtp.inbox.refuse_with = None
    assert await send(now + timedelta(minutes=1)) == 1
    assert len(smtp.inbox.received) == 1
    assert (await reminders(mail_client, seeded, check["id"]))[60]["state"] == "sent"

    other = await create(mail_client, seeded, starts, candidate={"name": "B", "email": "b@x.se"})
    smtp.inbox.refuse_with = "550 5.1.1 No such user"
    assert await send(now + timedelta(minutes=2)) == 1
    assert await send(now + timedelta(minutes=20)) == 0, "a permanent refusal is not retried"
    failed = (await reminders(mail_client, seeded, other["id"]))[60]
    assert (failed["state"], failed["last_error"]) == ("failed", "550 5.1.1 No such user")


async def test_never_sent_once_the_interview_has_started(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    starts = now_minute() + timedelta(minutes=10)
    check = await create(mail_client, seeded, starts)
    send = scheduler(mail_client).run_once
    smtp.inbox.refuse_with = "421 4.3.2 Service shutting down"
    assert await send(starts - timedelta(seconds=30)) == 1
    gave_up = (await reminders(mail_client, seeded, check["id"]))[60]
    assert gave_up["state"] == "failed", "a retry would come after the start"

    late = await create(mail_client, seeded, starts, candidate={"name": "C", "email": "c@x.se"})
    smtp.inbox.refuse_with = None
    assert await send(starts + timedelta(seconds=1)) == 1
    skipped = (await reminders(mail_client, seeded, late["id"]))[60]
    assert (skipped["state"], skipped["last_error"]) == ("skipped", "interview_started")
    assert smtp.inbox.received == []


async def test_a_server_that_was_down_sends_only_the_latest_due_reminder(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    starts = now_minute() + timedelta(days=2)
    check = await create(mail_client, seeded, starts)
    # Nothing ran from a day before until fifty minutes before: both are due now.
    assert await scheduler(mail_client).run_once(starts - timedelta(minutes=50)) == 2
    [message] = smtp.inbox.received
    assert "starts soon" in text_of(message)
    planned = await reminders(mail_client, seeded, check["id"])
    assert (planned[1440]["state"], planned[1440]["last_error"]) == (
        "skipped",
        "later_reminder_due",
    )
    assert planned[60]["state"] == "sent"


async def test_the_organisations_lead_times_reply_to_and_a_candidate_already_ready(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer
) -> None:
    engine = mail_client.app[engine_key]
    await set_reminder_settings(engine, seeded.org_id, offsets="2h,15m", reply_to="hr@acme.example")
    starts = now_minute() + timedelta(hours=3)
    check = await create(mail_client, seeded, starts)
    assert sorted(await reminders(mail_client, seeded, check["id"])) == [15, 120]
    await record_verdict(engine, a_result(check["id"], "ready"))

    assert await scheduler(mail_client).run_once(starts - timedelta(hours=2)) == 1
    [message] = smtp.inbox.received
    assert message["Reply-To"] == "hr@acme.example"
    text = text_of(message)
    assert "already checked your camera" in text
    assert "about 10 minutes before" in text


async def test_the_recruiter_sees_what_was_sent_and_why_not(
    mail_client: Client, seeded: Seeded, smtp: SmtpServer, database_url: str
) -> None:
    starts = now_minute() + timedelta(minutes=30)
    check = await create(mail_client, seeded, starts)
    smtp.inbox.refuse_with = "550 5.1.1 No such user"
    await scheduler(mail_client).run_once(datetime.now(UTC))
    await sign_in(mail_client, await create_recruiter(database_url, seeded.org_id))
    page = await (await mail_client.get(f"/dashboard/checks/{check['id']}")).text()
    section = page[page.index('id="reminders-heading"') : page.index('id="attempts-heading"')]
    rows = re.findall(r'<tr data-state="(\w+)">(.*?)</tr>', section, re.S)
    assert [state for state, _ in rows] == ["skipped", "failed"]
    assert "24 h before" in rows[0][1]
    assert "its time had passed" in rows[0][1]
    assert "1 h before" in rows[1][1]
    assert "550 5.1.1 No such user" in rows[1][1]
    assert "the candidate is told by e-mail" in page


async def test_without_mail_settings_reminders_are_off_and_said_to_be(
    client: Client, seeded: Seeded, database_url: str
) -> None:
    response = await client.get(f"/api/v1/checks/{seeded.check.id}", headers=auth(seeded))
    assert (await response.json())["reminders"] == {"enabled": False, "items": []}
    created = await client.post(
        "/api/v1/checks",
        json={
            "candidate": {"name": "Ada", "email": "ada@example.com"},
            "starts_at": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
            "time_zone": "Europe/Stockholm",
            "duration_minutes": 30,
            "title": "Interview",
            "locale": "en",
        },
        headers=auth(seeded),
    )
    assert (await created.json())["reminders"] == {"enabled": False, "items": []}
    await sign_in(client, await create_recruiter(database_url, seeded.org_id))
    page = await (await client.get(f"/dashboard/checks/{seeded.check.id}")).text()
    assert "Reminders are off" in page
