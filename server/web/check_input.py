"""Validation of a new check as a vendor or recruiter sends it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.errors import InvalidInput
from server.store.checks import NewCheck

LOCALES = ("en", "sv")
FIELDS = {
    "candidate",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "title",
    "agenda",
    "interviewers",
    "join_url",
    "locale",
}
# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MAX_AHEAD = timedelta(days=730)
INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f\ud800-\udfff]")
# Control characters would break e-mail headers and calendars; lone surrogates are not text.
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _text(data: dict[str, Any], name: str, *, max_len: int, label: str | None = None) -> str:
    value = data.get(name)
    label = label or name
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{label} must be a non-empty string")
    value = value.strip()
    if len(value) > max_len:
        raise InvalidInput(f"{label} must be at most {max_len} characters")
    if UNPRINTABLE.search(value):
        raise InvalidInput(f"{label} contains control or invalid characters")
    return value


def _text_list(data: dict[str, Any], name: str, *, max_items: int, max_len: int) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or len(value) > max_items:
        raise InvalidInput(f"{name} must be a list of at most {max_items} strings")
    items = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > max_len:
            raise InvalidInput(f"each {name} item must be a non-empty string of ≤ {max_len} chars")
        if UNPRINTABLE.search(item):
            raise InvalidInput(f"{name} contains control or invalid characters")
        items.append(item.strip())
    return items


def _starts_at(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput("starts_at must be an ISO 8601 date-time with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise InvalidInput("starts_at needs a UTC offset, e.g. 2026-05-04T14:00:00+02:00")
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput("starts_at must be an ISO 8601 date-time with a UTC offset") from exc
    if parsed > now + MAX_AHEAD:
        raise InvalidInput("starts_at is more than two years ahead")
    return parsed


def _time_zone(value: Any) -> str:
    if value is None:
        return "UTC"
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput("time_zone must be an IANA time zone name such as Europe/Stockholm")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time_zone {value!r}") from exc
    return value


def _join_url(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2000:
        raise InvalidInput("join_url must be an http(s) URL of at most 2000 characters")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError as exc:
        raise InvalidInput("join_url must be an http(s) URL") from exc
    # urlsplit silently drops tabs and newlines; a link in an e-mail must not carry them.
    if parts.scheme not in ("http", "https") or not hostname or INVISIBLE.search(value):
        raise InvalidInput("join_url must be an http(s) URL")
    return value


def parse_new_check(data: dict[str, Any], now: datetime) -> NewCheck:
    unknown = set(data) - FIELDS
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    candidate = data.get("candidate")
    if not isinstance(candidate, dict) or set(candidate) - {"name", "email"}:
        raise InvalidInput("candidate must be an object with name and email")
    email = _text(candidate, "email", max_len=254, label="candidate.email")
    if not EMAIL.match(email):
        raise InvalidInput("candidate.email is not an e-mail address")
    duration = data.get("duration_minutes")
    if type(duration) is not int or not 5 <= duration <= 480:
        raise InvalidInput("duration_minutes must be an integer from 5 to 480")
    starts_at = _starts_at(data.get("starts_at"), now)
    if starts_at + timedelta(minutes=duration) <= now:
        raise InvalidInput("the interview has already ended")
    locale = data.get("locale", "en")
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")
    return NewCheck(
        candidate_name=_text(candidate, "name", max_len=200, label="candidate.name"),
        candidate_email=email,
        starts_at=starts_at,
        time_zone=_time_zone(data.get("time_zone")),
        duration_minutes=duration,
        title=_text(data, "title", max_len=200),
        locale=locale,
        agenda=_text_list(data, "agenda", max_items=20, max_len=200),
        interviewers=_text_list(data, "interviewers", max_items=10, max_len=200),
        join_url=_join_url(data.get("join_url")),
    )
