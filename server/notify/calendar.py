"""The interview as a calendar event (RFC 5545): one UID per check for its whole life, so every
reminder and reschedule updates the one event instead of adding another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar

PRODUCT = "-//Greenroom//Interview reminders//EN"


def event_uid(check_id: str) -> str:
    return f"interview-{check_id}@greenroom"


@dataclass(frozen=True)
class Invitation:
    check_id: str
    sequence: int
    """Grows each time the interview moves or is cancelled (RFC 5546 §2.1.4)."""
    method: Literal["REQUEST", "CANCEL"]
    starts_at: datetime
    duration: timedelta
    time_zone: str
    """The interview's IANA zone: the event is written in it, with its VTIMEZONE."""
    summary: str
    description: str
    organizer: str
    """The sender's address."""
    attendee: str
    """The candidate's address."""
    stamp: datetime
    """When this version of the event was made (DTSTAMP): the mail's own time, so a retried
    mail carries the same file."""
    location: str | None = None
    """The join link, when there is one."""


def invitation(event: Invitation) -> bytes:
    zone = ZoneInfo(event.time_zone)
    starts = event.starts_at.astimezone(zone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", event.method)
    entry = icalendar.Event()
    entry.add("uid", event_uid(event.check_id))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", event.stamp.astimezone(ZoneInfo("UTC")))
    entry.add("dtstart", starts)
    entry.add("dtend", starts + event.duration)
    entry.add("summary", event.summary)
    entry.add("description", event.description)
    if event.location:
        entry.add("location", event.location)
        entry.add("url", event.location)
    entry.add("status", "CANCELLED" if event.method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{event.organizer}")
    entry.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{event.attendee}")
    attendee.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["RSVP"] = icalendar.vText("FALSE")
    entry.add("attendee", attendee)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
