"""Validation of a new check as a vendor or recruiter sends it: the body's shape (the model),
and its place in time (the service)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.checks.service import check_schedule
from server.errors import InvalidInput
from server.models.base import decode
from server.models.check import NewCheck

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DROP = object()
"""A field value meaning: leave the field out."""


def payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "candidate": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "starts_at": "2026-05-04T14:00:00+02:00",
        "duration_minutes": 45,
        "title": "Backend engineer, second round",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not DROP}


def candidate(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Ada Lovelace", "email": "ada@example.com", **changes}
    return {name: value for name, value in data.items() if value is not DROP}


def at(delta: timedelta) -> str:
    return (NOW + delta).isoformat()


def parse_new_check(data: dict[str, Any], now: datetime) -> NewCheck:
    """As `POST /api/v1/checks` takes it: the JSON body, then the schedule."""
    new = decode(NewCheck, json.dumps(data))
    check_schedule(new, now)
    return new


def test_minimal_payload_gets_defaults() -> None:
    check = parse_new_check(payload(), NOW)
    assert check.candidate.name == "Ada Lovelace"
    assert check.candidate.email == "ada@example.com"
    assert check.starts_at == datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert check.duration_minutes == 45
    assert (check.time_zone, check.locale) == ("UTC", "en")
    assert (check.agenda, check.interviewers, check.join_url) == ([], [], None)


def test_full_payload_is_trimmed_and_kept() -> None:
    check = parse_new_check(
        payload(
            candidate={"name": "  Ada  ", "email": " ada@example.com "},
            starts_at="2026-05-04T12:00:00Z",
            time_zone="Europe/Stockholm",
            title=" Interview ",
            agenda=[" Intro ", "System design"],
            interviewers=["Grace Hopper"],
            join_url="https://meet.example.com/abc?x=1",
            locale="sv",
        ),
        NOW,
    )
    assert (check.candidate.name, check.candidate.email) == ("Ada", "ada@example.com")
    assert check.starts_at == datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert (check.time_zone, check.locale, check.title) == ("Europe/Stockholm", "sv", "Interview")
    assert (check.agenda, check.interviewers) == (["Intro", "System design"], ["Grace Hopper"])
    assert check.join_url == "https://meet.example.com/abc?x=1"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "123"}, "unknown field: phone"),
        ({"candidate": DROP}, "candidate: Field required"),
        ({"candidate": "ada@example.com"}, "candidate: Input should be an object"),
        ({"candidate": candidate(phone="1")}, "unknown field: candidate.phone"),
        ({"candidate": candidate(name=DROP)}, "candidate.name: "),
        ({"candidate": candidate(name="   ")}, "candidate.name: "),
        (
            {"candidate": candidate(name="x" * 201)},
            "candidate.name: String should have at most 200",
        ),
        ({"candidate": candidate(email=DROP)}, "candidate.email: "),
        ({"candidate": candidate(email=["a@b.se"])}, "candidate.email: "),
        ({"duration_minutes": DROP}, "duration_minutes"),
        ({"duration_minutes": True}, "duration_minutes"),
        ({"duration_minutes": 45.0}, "duration_minutes"),
        ({"duration_minutes": "45"}, "duration_minutes"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"starts_at": DROP}, "starts_at: "),
        ({"starts_at": 1777000000}, "starts_at: "),
        ({"starts_at": "next tuesday"}, "starts_at: "),
        ({"starts_at": "2026-05-04T14:00:00.000000+02:00:00.000000"}, "starts_at: "),
        ({"starts_at": "2026-05-04T14:00:00"}, "starts_at: "),
        ({"starts_at": "2026-05-04"}, "starts_at: "),
        ({"starts_at": "2026-04-30T12:00:00+00:00"}, "already ended"),
        ({"starts_at": at(timedelta(days=730, seconds=1))}, "more than two years"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone: unknown time zone"),
        ({"time_zone": "europe/stockholm"}, "time_zone: unknown time zone"),
        ({"time_zone": ""}, "time_zone: unknown time zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone: unknown time zone"),
        ({"time_zone": "/etc/localtime"}, "time_zone: unknown time zone"),
        ({"time_zone": 1}, "time_zone: "),
        ({"time_zone": "A" * 65}, "time_zone: "),
        ({"title": DROP}, "title: "),
        ({"title": ""}, "title: "),
        ({"title": "x" * 201}, "title: String should have at most 200"),
        ({"agenda": "Intro"}, "agenda: Input should be a valid array"),
        ({"agenda": None}, "agenda: Input should be a valid array"),
        ({"agenda": ["x"] * 21}, "agenda: List should have at most 20"),
        ({"agenda": ["ok", ""]}, "agenda.[01]: "),
        ({"agenda": [3]}, "agenda.[01]: "),
        ({"agenda": ["x" * 201]}, "agenda.[01]: "),
        ({"interviewers": ["x"] * 11}, "interviewers: List should have at most 10"),
        ({"interviewers": ["x" * 201]}, "interviewers.0: "),
        ({"join_url": "javascript:alert(1)"}, "join_url: "),
        ({"join_url": "JavaScript://example.com/%0aalert(1)"}, "join_url: "),
        ({"join_url": "data:text/html,hi"}, "join_url: "),
        ({"join_url": "ftp://example.com/"}, "join_url: "),
        ({"join_url": "https:///path"}, "join_url: "),
        ({"join_url": "example.com/meet"}, "join_url: "),
        ({"join_url": 5}, "join_url: "),
        (
            {"join_url": "https://example.com/" + "a" * 1981},
            "join_url: String should have at most 2000",
        ),
        ({"locale": "de"}, "locale: Input should be 'en' or 'sv'"),
        ({"locale": "EN"}, "locale: "),
        ({"locale": None}, "locale: "),
    ],
)
def test_invalid_payloads(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_new_check(payload(**changes), NOW)
    assert (caught.value.status, caught.value.code) == (422, "invalid_input")


@pytest.mark.parametrize(
    "email",
    ["ada", "ada@example", "ada@@example.com", "@example.com", "a da@example.com", "a@b@c.se"],
)
def test_bad_email(email: str) -> None:
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        parse_new_check(payload(candidate=candidate(email=email)), NOW)


def test_email_length_limits() -> None:
    longest = "a" * 64 + "@" + "b" * 185 + ".com"
    assert len(longest) == 254
    assert parse_new_check(payload(candidate=candidate(email=longest)), NOW).candidate.email
    with pytest.raises(InvalidInput, match="at most 254"):
        parse_new_check(payload(candidate=candidate(email="a" + longest)), NOW)
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        parse_new_check(payload(candidate=candidate(email="a" * 65 + "@example.com")), NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"duration_minutes": 5},
        {"duration_minutes": 480},
        {"candidate": candidate(name="x" * 200)},
        {"title": "x" * 200},
        {"agenda": ["x" * 200] * 20},
        {"interviewers": ["x" * 200] * 10},
        {"join_url": "https://example.com/" + "a" * 1980},
        {"join_url": "http://localhost:8080/j"},
        {"join_url": None},
        {"time_zone": None},
        {"time_zone": "America/Argentina/Buenos_Aires"},
        {"locale": "sv"},
        {"starts_at": at(timedelta(days=730))},
        {"starts_at": "2026-05-04T14:00:00.123456+05:30"},
    ],
)
def test_values_exactly_at_the_limits_are_accepted(changes: dict[str, Any]) -> None:
    parse_new_check(payload(**changes), NOW)


@pytest.mark.parametrize(("minutes_ago", "accepted"), [(30, False), (29, True), (31, False)])
def test_an_interview_is_accepted_until_it_has_ended(minutes_ago: int, accepted: bool) -> None:
    data = payload(starts_at=at(-timedelta(minutes=minutes_ago)), duration_minutes=30)
    if accepted:
        assert parse_new_check(data, NOW).starts_at == NOW - timedelta(minutes=minutes_ago)
    else:
        with pytest.raises(InvalidInput, match="already ended"):
            parse_new_check(data, NOW)


def test_join_url_with_a_malformed_ipv6_host_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_new_check(payload(join_url="https://[meet.example.com/abc"), NOW)


def test_starts_at_at_the_start_of_time_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_new_check(payload(starts_at="0001-01-01T00:30:00+01:00"), NOW)


@pytest.mark.parametrize(
    "url", ["http://exa mple.com/x", "https://meet.example.com/a\tb", "https://meet.example.com/\n"]
)
def test_join_url_with_whitespace_or_control_characters_is_invalid(url: str) -> None:
    with pytest.raises(InvalidInput, match="join_url"):
        parse_new_check(payload(join_url=url), NOW)
