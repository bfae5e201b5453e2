"""The recruiter's forms read into the API's own models, with each error beside its field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from server.checks.service import check_schedule
from server.errors import InvalidInput
from server.models.check import CheckStatus, NewCheck
from server.store.board import BoardQuery
from server.store.insight import InsightQuery

CHECK_FIELDS = (
    "candidate_name",
    "candidate_email",
    "title",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "agenda",
    "interviewers",
    "join_url",
    "locale",
)
MAX_FIELD_CHARS = 4000
MAX_SEARCH_CHARS = 100
DEFAULT_INSIGHT_SPAN = timedelta(days=29)
MAX_INSIGHT_SPAN = timedelta(days=366)
DAILY_UP_TO_DAYS = 31


@dataclass
class CheckForm:
    """What the recruiter typed, and what is wrong with it, field by field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    """Field name -> catalog key of the error to show beside it."""

    @classmethod
    def blank(cls, zone: str) -> CheckForm:
        return cls(
            {name: "" for name in CHECK_FIELDS}
            | {"time_zone": zone, "locale": "en", "duration_minutes": "45"}
        )

    @classmethod
    def of(cls, new: NewCheck) -> CheckForm:
        there = new.starts_at.astimezone(ZoneInfo(new.time_zone))
        return cls(
            {
                "candidate_name": new.candidate.name,
                "candidate_email": new.candidate.email,
                "title": new.title,
                "starts_at": there.strftime("%Y-%m-%dT%H:%M"),
                "time_zone": new.time_zone,
                "duration_minutes": str(new.duration_minutes),
                "agenda": "\n".join(new.agenda),
                "interviewers": "\n".join(new.interviewers),
                "join_url": new.join_url or "",
                "locale": new.locale,
            }
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_check_form(posted: Mapping[str, str], now: datetime) -> tuple[CheckForm, NewCheck | None]:
    """The form as a NewCheck (validated exactly as the API's create body), or its errors."""
    values = {name: posted.get(name, "")[:MAX_FIELD_CHARS] for name in CHECK_FIELDS}
    form = CheckForm(values)
    starts_at = _starts_at(values["starts_at"], values["time_zone"])
    if starts_at is None:
        form.errors["starts_at"] = "form.error.starts_at"
    duration = values["duration_minutes"].strip()
    data = {
        "candidate": {"name": values["candidate_name"], "email": values["candidate_email"]},
        "starts_at": starts_at or datetime(2000, 1, 1).astimezone(),
        "time_zone": values["time_zone"].strip() or "UTC",
        "duration_minutes": int(duration) if duration.isdigit() and len(duration) < 5 else -1,
        "title": values["title"],
        "agenda": _lines(values["agenda"]),
        "interviewers": _lines(values["interviewers"]),
        "join_url": values["join_url"].strip() or None,
        "locale": values["locale"],
    }
    try:
        new = NewCheck.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            name = _field(error["loc"])
            form.errors.setdefault(name, f"form.error.{name}")
        return form, None
    if form.errors:
        return form, None
    try:
        check_schedule(new, now)
    except InvalidInput:
        form.errors["starts_at"] = "form.error.schedule"
        return form, None
    return form, new


def _field(location: tuple[int | str, ...]) -> str:
    if location and location[0] == "candidate":
        return "candidate_email" if "email" in location else "candidate_name"
    name = str(location[0]) if location else "title"
    return name if name in CHECK_FIELDS else "title"


def _starts_at(text: str, zone: str) -> datetime | None:
    """A `datetime-local` value, in the interview's own zone."""
    try:
        naive = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
        return naive.replace(tzinfo=ZoneInfo(zone.strip() or "UTC"))
    except (ValueError, ZoneInfoNotFoundError):
        return None


@dataclass(frozen=True)
class BoardFilter:
    """The dashboard's filter as the query string gives it; anything invalid is dropped and
    said so, never a 500."""

    status: str = ""
    at_risk: bool = False
    starts_from: str = ""
    starts_until: str = ""
    search: str = ""
    cursor: str = ""
    invalid: tuple[str, ...] = ()

    @classmethod
    def read(cls, query: Mapping[str, str]) -> BoardFilter:
        invalid = []
        status = query.get("status", "")
        if status and status not in CheckStatus.__members__.values():
            invalid.append("status")
            status = ""
        starts_from, starts_until = query.get("from", ""), query.get("until", "")
        for name, text in (("from", starts_from), ("until", starts_until)):
            if text and _date(text) is None:
                invalid.append(name)
        search = query.get("q", "")
        if len(search) > MAX_SEARCH_CHARS or any(ord(c) < 32 for c in search):
            invalid.append("q")
            search = ""
        return cls(
            status=status,
            at_risk=query.get("at_risk") == "1",
            starts_from=starts_from if _date(starts_from) else "",
            starts_until=starts_until if _date(starts_until) else "",
            search=search.strip(),
            cursor=query.get("after", "")[:100],
            invalid=tuple(invalid),
        )

    def query(self, zone: ZoneInfo, now: datetime, *, limit: int) -> BoardQuery:
        """Dates are whole days in the user's zone; with no start date, from today on."""
        first = _date(self.starts_from) or now.astimezone(zone).date()
        last = _date(self.starts_until)
        return BoardQuery(
            starts_from=datetime.combine(first, time(), zone),
            starts_before=None
            if last is None
            else datetime.combine(last + timedelta(days=1), time(), zone),
            status=CheckStatus(self.status) if self.status else None,
            at_risk=self.at_risk,
            search=self.search or None,
            after=decode_cursor(self.cursor),
            limit=limit,
        )

    def params(self) -> dict[str, str]:
        """The filter as query parameters again, for links and the CSV export."""
        given = {
            "status": self.status,
            "at_risk": "1" if self.at_risk else "",
            "from": self.starts_from,
            "until": self.starts_until,
            "q": self.search,
        }
        return {name: value for name, value in given.items() if value}


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def encode_cursor(starts_at: datetime, check_id: str) -> str:
    return f"{starts_at.isoformat()}_{check_id}"


def decode_cursor(text: str) -> tuple[datetime, str] | None:
    moment, _, check_id = text.rpartition("_")
    try:
        starts_at = datetime.fromisoformat(moment)
    except ValueError:
        return None
    if starts_at.tzinfo is None or len(check_id) != 32 or not check_id.isalnum():
        return None
    return starts_at, check_id


@dataclass(frozen=True)
class InsightPeriod:
    """The insight page's period: whole days in the user's zone, the last 30 by default, at
    most a year; a bad date is said beside its field and nothing is counted."""

    starts_from: str
    starts_until: str
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, query: Mapping[str, str], today: date) -> InsightPeriod:
        given = {name: query.get(name, "")[:20].strip() for name in ("from", "until")}
        first = _date(given["from"]) if given["from"] else today - DEFAULT_INSIGHT_SPAN
        last = _date(given["until"]) if given["until"] else today
        errors = {}
        if first is None:
            errors["from"] = "insight.error.date"
        if last is None:
            errors["until"] = "insight.error.date"
        if first is not None and last is not None:
            if first > last:
                errors["until"] = "insight.error.order"
            elif last - first > MAX_INSIGHT_SPAN:
                errors["until"] = "insight.error.span"
        return cls(
            starts_from=first.isoformat() if first else given["from"],
            starts_until=last.isoformat() if last else given["until"],
            errors=errors,
        )

    def query(self, zone: ZoneInfo) -> InsightQuery | None:
        first, last = _date(self.starts_from), _date(self.starts_until)
        if self.errors or first is None or last is None:
            return None
        days = (last - first).days + 1
        step = 1 if days <= DAILY_UP_TO_DAYS else 7
        return InsightQuery(
            starts_from=datetime.combine(first, time(), zone),
            starts_before=datetime.combine(last + timedelta(days=1), time(), zone),
            buckets=tuple(
                datetime.combine(first + timedelta(days=offset), time(), zone)
                for offset in range(0, days, step)
            ),
        )

    def params(self) -> dict[str, str]:
        return {"from": self.starts_from, "until": self.starts_until}
