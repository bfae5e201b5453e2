"""The interview's calendar file, read back with icalendar as a calendar program would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from server.notify.calendar import Invitation, event_uid, invitation

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STARTS = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)


def an_invitation(**overrides: object) -> Invitation:
    values: dict[str, object] = {
        "check_id": "c" * 32,
        "sequence": 0,
        "method": "REQUEST",
        "starts_at": STARTS,
        "duration": timedelta(minutes=45),
        "time_zone": "Europe/Stockholm",
        "summary": "Intervju: Utvecklare, Acme AB",
        "description": "Testa din utrustning: https://example.com/c/x",
        "organizer": "reminders@example.com",
        "attendee": "marta@example.se",
        "stamp": datetime(2026, 12, 9, 13, 0, tzinfo=UTC),
        "location": "https://meet.example.com/x",
    }
    values.update(overrides)
    return Invitation(**values)  # type: ignore[arg-type]


def event_of(data: bytes) -> icalendar.Component:
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_event_starts_and_ends_when_the_interview_does_in_its_own_zone() -> None:
    data = invitation(an_invitation())
    event = event_of(data)
    start = event.decoded("dtstart")
    assert start == STARTS
    assert str(start.tzinfo) == "Europe/Stockholm"
    assert start.hour == 14, "13:00 UTC is 14:00 in Stockholm in December"
    assert event.decoded("dtend") - start == timedelta(minutes=45)
    assert b"BEGIN:VTIMEZONE" in data
    assert b"TZID:Europe/Stockholm" in data
    assert icalendar.Calendar.from_ical(data)["method"] == "REQUEST"


def test_one_uid_for_the_check_and_a_sequence_that_moves_with_it() -> None:
    first = event_of(invitation(an_invitation()))
    moved = event_of(invitation(an_invitation(sequence=1, starts_at=STARTS + timedelta(days=1))))
    assert first["uid"] == moved["uid"] == event_uid("c" * 32)
    assert (first["sequence"], moved["sequence"]) == (0, 1)


def test_a_cancellation_says_so() -> None:
    data = invitation(an_invitation(method="CANCEL", sequence=2))
    assert icalendar.Calendar.from_ical(data)["method"] == "CANCEL"
    assert event_of(data)["status"] == "CANCELLED"


def test_who_and_where() -> None:
    event = event_of(invitation(an_invitation()))
    assert str(event["organizer"]) == "mailto:reminders@example.com"
    assert str(event["attendee"]) == "mailto:marta@example.se"
    assert str(event["location"]) == "https://meet.example.com/x"
    assert str(event["summary"]) == "Intervju: Utvecklare, Acme AB"


def test_the_same_reminder_makes_the_same_file() -> None:
    assert invitation(an_invitation()) == invitation(an_invitation())


def test_no_join_link_no_location() -> None:
    assert "location" not in event_of(invitation(an_invitation(location=None)))
