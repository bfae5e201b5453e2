"""A reminder as an e-mail: text and HTML parts in the candidate's language, and the interview
as a calendar file whose start and end are the ones the text gives."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from importlib import resources
from typing import Any, Literal

import jinja2

from server.models.check import Check, Locale
from server.notify.calendar import Invitation, invitation
from server.zones import when_named

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("server", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


@functools.cache
def texts(locale: Locale) -> dict[str, str]:
    source = resources.files("server.notify") / "i18n" / f"{locale}.json"
    loaded: dict[str, str] = json.loads(source.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Reminder:
    check: Check
    org_name: str
    check_url: str
    last: bool
    """The last reminder before the interview: it carries the join link."""
    ready: bool
    """The candidate has already passed the check."""
    sequence: int
    message_id: str
    """Stable for this reminder, so a retry is recognisably the same mail."""
    dated: datetime
    """The mail's Date and the calendar's DTSTAMP: its due time, the same on every retry."""
    reply_to: str | None = None
    """The organisation's address for replies; the sender's when it has none."""
    cancelled: bool = False
    """The interview is cancelled: this mail says so and removes the calendar event."""


def reminder_message(reminder: Reminder, *, sender: str) -> EmailMessage:
    check = reminder.check
    t = _Translator(check.locale)
    context: dict[str, Any] = {
        "t": t,
        "locale": check.locale,
        "check": check,
        "org_name": reminder.org_name,
        "check_url": reminder.check_url,
        "last": reminder.last,
        "ready": reminder.ready,
        "when": when_named(check.starts_at, check.time_zone),
        "your_when": when_named(check.starts_at, check.candidate_time_zone)
        if check.candidate_time_zone and check.candidate_time_zone != check.time_zone
        else None,
    }
    kind = "cancellation" if reminder.cancelled else "reminder"
    context["subject"] = t(
        "subject.cancelled" if reminder.cancelled else "subject.reminder",
        title=check.title,
        when=when_named(check.starts_at, check.time_zone),
    )
    message = EmailMessage()
    message["Subject"] = " ".join(context["subject"].split())
    message["From"] = sender
    message["To"] = _address(check.candidate_name, check.candidate_email)
    message["Reply-To"] = reminder.reply_to or sender
    message["Date"] = format_datetime(reminder.dated)
    message["Message-ID"] = reminder.message_id
    message.set_content(TEMPLATES.get_template(f"mail/{kind}.txt").render(context))
    message.add_alternative(
        TEMPLATES.get_template(f"mail/{kind}.html").render(context), subtype="html"
    )
    method: Literal["REQUEST", "CANCEL"] = "CANCEL" if reminder.cancelled else "REQUEST"
    calendar = invitation(
        Invitation(
            check_id=check.id,
            sequence=reminder.sequence,
            method=method,
            starts_at=check.starts_at,
            duration=timedelta(minutes=check.duration_minutes),
            time_zone=check.time_zone,
            summary=f"{check.title} ({reminder.org_name})",
            description=f"{t('button')}: {reminder.check_url}",
            organizer=_bare(sender),
            attendee=check.candidate_email,
            stamp=reminder.dated,
            location=check.join_url,
        )
    )
    message.add_attachment(
        calendar,
        maintype="text",
        subtype="calendar",
        filename="interview.ics",
        params={"method": method},
    )
    # After the parts: setting content replaces the Content-* headers.
    message["Content-Language"] = check.locale
    return message


class _Translator:
    def __init__(self, locale: Locale) -> None:
        self._texts = texts(locale)

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts[key]
        return text.format(**values) if values else text


def _address(name: str, address: str) -> str:
    # Names are checked when a check is made; a header is never the place to trust that.
    return str(Address(display_name=" ".join(name.split()), addr_spec=address))


def _bare(sender: str) -> str:
    return parseaddr(sender)[1]
