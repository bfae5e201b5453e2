"""The reminder as the candidate's mail program reads it: both parts in their language, the
calendar file agreeing with the text, and a stable identity for retries."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from importlib import resources
from typing import Any

import icalendar
import pytest

from server.models.check import Check, CheckStatus
from server.notify.calendar import event_uid
from server.notify.message import Reminder, reminder_message

STARTS = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
SENDER = "Greenroom <reminders@example.com>"


def a_check(**overrides: Any) -> Check:
    values: dict[str, Any] = {
        "id": "c" * 32,
        "org_id": "0" * 32,
        "token": "t" * 32,
        "token_expires_at": STARTS,
        "candidate_name": "Märta Kandidat",
        "candidate_email": "marta@example.se",
        "starts_at": STARTS,
        "time_zone": "Europe/Stockholm",
        "duration_minutes": 45,
        "title": "Intervju: Utvecklare",
        "agenda": ["Presentation", "Case"],
        "interviewers": ["Kim Rekryterare"],
        "join_url": "https://meet.example.com/x",
        "locale": "sv",
        "status": CheckStatus.NOT_STARTED,
        "created_at": STARTS,
        "updated_at": STARTS,
    }
    values.update(overrides)
    return Check(**values)


def a_reminder(check: Check, *, last: bool = False, ready: bool = False) -> Reminder:
    return Reminder(
        check=check,
        org_name="Acme AB",
        check_url="https://greenroom.example.com/c/" + "t" * 32,
        last=last,
        ready=ready,
        sequence=0,
        message_id="<reminder-1440-" + "c" * 32 + "@greenroom>",
        dated=datetime(2026, 12, 9, 13, 0, tzinfo=UTC),
    )


def sent(reminder: Reminder) -> EmailMessage:
    """The mail as it arrives: written to bytes and parsed again."""
    raw = reminder_message(reminder, sender=SENDER).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str, bytes]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    [calendar] = [
        part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    return text.get_content(), html.get_content(), calendar.get_content()


def test_swedish_with_every_detail_and_the_calendar_agreeing() -> None:
    message = sent(a_reminder(a_check(), last=True))
    text, html, ics = parts(message)
    assert (
        message["Subject"]
        == "Påminnelse: Intervju: Utvecklare 2026-12-10 14:00 Europe/Stockholm (CET)"
    )
    assert message["To"] == "Märta Kandidat <marta@example.se>"
    assert message["Content-Language"] == "sv"
    for expected in (
        "Hej Märta Kandidat,",
        "Acme AB",
        "När: 2026-12-10 14:00 Europe/Stockholm (CET) (45 minuter)",
        "Med: Kim Rekryterare",
        "1. Presentation",
        "https://greenroom.example.com/c/",
        "Gå med i intervjun: https://meet.example.com/x",
        "hörlurar",
        "ljuset framför dig",
        "surfzon",
        "Svara på det här mejlet",
    ):
        assert expected in text, expected
    assert 'href="https://greenroom.example.com/c/' in html
    assert "Testa min kamera, mikrofon och anslutning</a>" in html
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    shown = re.search(r"När: (\d{4}-\d\d-\d\d \d\d:\d\d) Europe/Stockholm", text)
    assert shown
    start = event.decoded("dtstart")
    assert start.strftime("%Y-%m-%d %H:%M") == shown[1], "the file says what the text says"
    assert (event.decoded("dtend") - start).total_seconds() == 45 * 60
    assert str(event["uid"]) == event_uid("c" * 32)


def test_english_and_the_candidates_own_time() -> None:
    check = a_check(locale="en", candidate_time_zone="America/New_York")
    text, html, _ = parts(sent(a_reminder(check)))
    assert "Hello Märta Kandidat," in text
    assert "This is a reminder of your interview with Acme AB." in text
    assert "In your time zone: 2026-12-10 08:00 America/New_York (EST)" in text
    assert "In your time zone: 2026-12-10 08:00 America/New_York (EST)" in html
    assert "Join the interview" not in text, "the join link comes with the last reminder only"


def test_a_candidate_who_already_passed_is_asked_for_a_quick_recheck() -> None:
    text, _, _ = parts(sent(a_reminder(a_check(locale="en"), ready=True)))
    assert "already checked" in text
    assert "about 10 minutes before" in text


def test_the_same_reminder_is_the_same_mail() -> None:
    first = reminder_message(a_reminder(a_check()), sender=SENDER)
    again = reminder_message(a_reminder(a_check()), sender=SENDER)
    assert first["Message-ID"] == again["Message-ID"]
    assert parts(first)[2] == parts(again)[2]


def test_a_name_cannot_add_headers() -> None:
    message = sent(a_reminder(a_check(candidate_name="Eve\r\nBcc: x@example.com")))
    assert message["Bcc"] is None


@pytest.mark.parametrize("name", ["text", "html"])
def test_names_are_text_not_markup(name: str) -> None:
    text, html, _ = parts(sent(a_reminder(a_check(title="<b>Dev</b> & Ops"))))
    assert "&lt;b&gt;Dev&lt;/b&gt; &amp; Ops" in html
    assert "<b>Dev</b> & Ops" in text
    assert name


def test_both_languages_have_the_same_texts() -> None:
    folder = resources.files("server.notify") / "i18n"
    english = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    swedish = json.loads((folder / "sv.json").read_text(encoding="utf-8"))
    assert set(english) == set(swedish)
    for key in english:
        assert set(re.findall(r"\{(\w+)\}", english[key])) == set(
            re.findall(r"\{(\w+)\}", swedish[key])
        ), key
