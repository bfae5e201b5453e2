"""A check: one upcoming interview's device check, as recruiters and vendors create it, as it is
stored, and as the API and the candidate's page see it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, ValidationError

from server.errors import InvalidInput
from server.models.base import Body, Contract, Id, Line, Sparse, Timestamp, describe
from server.models.feedback import Feedback
from server.models.reminder import Reminders
from server.models.result import Overall, Result

LOCALES = ("en", "sv")
Locale = Literal["en", "sv"]
# Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test.
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
# What the JSON Schema can say of a web URL; the validator below has the last word.
WEB_URL_SHAPE = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][!-~]*)?$"
INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class CheckStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    WARNINGS = "warnings"
    NOT_READY = "not_ready"
    CANCELLED = "cancelled"


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("is not an e-mail address")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value[:64]!r}: give an IANA name such as Europe/Stockholm"
        ) from None
    return value


def _web_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        raise ValueError("must be an http(s) URL") from None
    # urlsplit silently drops tabs and newlines; a link in an e-mail must not carry them.
    if parts.scheme not in ("http", "https") or not hostname or INVISIBLE.search(value):
        raise ValueError("must be an http(s) URL")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


def _utc_by_default(value: object) -> object:
    return "UTC" if value is None else value


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
    AfterValidator(_email),
    Field(json_schema_extra={"pattern": EMAIL.pattern}),
]
TimeZone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_time_zone),
    BeforeValidator(_utc_by_default),
    Field(json_schema_extra={"enum": sorted(available_timezones())}),
]
"""An IANA time zone name; null means UTC."""
WebUrl = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_web_url),
    Field(json_schema_extra={"pattern": WEB_URL_SHAPE}),
]
StartsAt = Annotated[Timestamp, AfterValidator(_utc)]


class Candidate(Contract):
    name: Line
    email: Email


class NewCheck(Body):
    """`POST /api/v1/checks`: an interview to get a candidate ready for."""

    max_bytes = 64 * 1024

    candidate: Candidate
    starts_at: StartsAt = Field(description="ISO 8601 with a UTC offset")
    time_zone: TimeZone = Field("UTC", description="The interview's IANA time zone")
    duration_minutes: int = Field(ge=5, le=480)
    title: Line
    agenda: list[Line] = Field(default_factory=list, max_length=20)
    interviewers: list[Line] = Field(default_factory=list, max_length=10)
    join_url: WebUrl | None = None
    locale: Locale = "en"


class CheckChanges(Body):
    """`PATCH /api/v1/checks/{id}`: any of the create fields; those left out stay as they are."""

    max_bytes = 64 * 1024

    candidate: Candidate | None = None
    starts_at: StartsAt | None = None
    time_zone: TimeZone | None = None
    duration_minutes: int | None = Field(None, ge=5, le=480)
    title: Line | None = None
    agenda: list[Line] | None = Field(None, max_length=20)
    interviewers: list[Line] | None = Field(None, max_length=10)
    join_url: WebUrl | None = None
    locale: Locale | None = None

    def applied_to(self, check: Check) -> NewCheck:
        """The check's details with these changes; `null` clears only the join URL."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        for name in ("candidate", "starts_at", "time_zone", "duration_minutes", "title", "locale"):
            if given.get(name, check) is None:
                raise InvalidInput(f"{name}: may not be null")
        for name in ("agenda", "interviewers"):
            if name in given and given[name] is None:
                given[name] = []
        try:
            return NewCheck.model_validate({**dict(check.details()), **given})
        except ValidationError as exc:
            raise InvalidInput(describe(exc.errors(include_url=False))) from None


class Check(Contract):
    """A stored check."""

    id: Id
    org_id: Id
    token: str
    token_expires_at: Timestamp
    candidate_name: str
    candidate_email: str
    starts_at: Timestamp
    time_zone: str
    duration_minutes: int
    title: str
    agenda: list[str]
    interviewers: list[str]
    join_url: str | None
    locale: Locale
    status: CheckStatus
    created_at: Timestamp
    updated_at: Timestamp
    candidate_time_zone: str | None = None
    """The zone the candidate's browser reported at their latest attempt."""
    first_verdict: Overall | None = None
    """The verdict of the check's first attempt."""
    first_ready_at: Timestamp | None = None
    """When an attempt of this check was first ready."""
    calendar_sequence: int = 0
    """The calendar event's SEQUENCE: grows when the interview moves or is cancelled."""

    def details(self) -> NewCheck:
        """What a recruiter or vendor gave for this check, as they would give it again."""
        return NewCheck(
            candidate=Candidate(name=self.candidate_name, email=self.candidate_email),
            starts_at=self.starts_at,
            time_zone=self.time_zone,
            duration_minutes=self.duration_minutes,
            title=self.title,
            agenda=self.agenda,
            interviewers=self.interviewers,
            join_url=self.join_url,
            locale=self.locale,
        )


class CheckView(Contract):
    """A check as the API answers it."""

    id: Id
    status: CheckStatus
    candidate: Candidate
    title: str
    starts_at: Timestamp
    time_zone: str
    duration_minutes: int
    agenda: list[str]
    interviewers: list[str]
    join_url: str | None
    locale: Locale
    candidate_url: str
    expires_at: Timestamp
    created_at: Timestamp
    candidate_time_zone: str | None = Field(
        description="The zone the candidate's browser reported at their latest attempt"
    )
    latest_result: Result | None
    # Beside the result, not inside it: the Result stays as measured, while feedback arrives
    # after it, may change, and is the candidate's own words.
    feedback: Feedback | None
    reminders: Reminders

    @classmethod
    def of(
        cls,
        check: Check,
        *,
        candidate_url: str,
        result: Result | None = None,
        feedback: Feedback | None = None,
        reminders: Reminders,
    ) -> CheckView:
        return cls(
            id=check.id,
            status=check.status,
            candidate=Candidate(name=check.candidate_name, email=check.candidate_email),
            title=check.title,
            starts_at=check.starts_at,
            time_zone=check.time_zone,
            duration_minutes=check.duration_minutes,
            agenda=check.agenda,
            interviewers=check.interviewers,
            join_url=check.join_url,
            locale=check.locale,
            candidate_url=candidate_url,
            expires_at=check.token_expires_at,
            created_at=check.created_at,
            candidate_time_zone=check.candidate_time_zone,
            latest_result=result,
            feedback=feedback,
            reminders=reminders,
        )


class IceServer(Sparse):
    """An RTCIceServer for the page: STUN, or TURN with a short-lived credential."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class CandidateInfo(Contract):
    """`GET /c/{token}/info`: what the check page shows and needs (never the e-mail address)."""

    title: str
    locale: Locale
    starts_at: Timestamp
    duration_minutes: int
    ice_servers: list[IceServer]
    time_zone: str
    agenda: list[str]
    interviewers: list[str]
    join_url: str | None
    candidate_name: str
    organisation: str
    embed_origins: list[str]
    """The organisation's allowed embedders: the same list as the page's frame-ancestors."""
