"""When reminders are due: on time, the latest passed one at once, never a burst, never late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.notify.plan import Due, Planned, due_times, retry_at, why_not_send

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DAY, HOUR, QUARTER = timedelta(hours=24), timedelta(hours=1), timedelta(minutes=15)


def test_made_well_ahead_every_reminder_is_on_time() -> None:
    starts = NOW + timedelta(days=3)
    assert due_times(starts, (HOUR, DAY), NOW) == [Due(DAY, starts - DAY), Due(HOUR, starts - HOUR)]


def test_made_inside_the_first_window_that_one_goes_now_and_the_next_on_time() -> None:
    starts = NOW + timedelta(hours=5)
    assert due_times(starts, (DAY, HOUR), NOW) == [Due(DAY, NOW), Due(HOUR, starts - HOUR)]


def test_made_inside_every_window_only_the_latest_goes_now() -> None:
    starts = NOW + timedelta(minutes=30)
    assert due_times(starts, (DAY, HOUR, QUARTER), NOW) == [
        Due(DAY, None),
        Due(HOUR, NOW),
        Due(QUARTER, starts - QUARTER),
    ]


def test_nothing_is_due_at_or_after_the_start() -> None:
    for starts in (NOW, NOW - timedelta(minutes=1)):
        assert due_times(starts, (DAY, HOUR), NOW) == [Due(DAY, None), Due(HOUR, None)]


def test_a_reminder_exactly_at_its_due_time_goes_now() -> None:
    starts = NOW + HOUR
    assert due_times(starts, (DAY, HOUR), NOW) == [Due(DAY, None), Due(HOUR, NOW)]


def test_nothing_due_is_ever_before_now_or_after_the_start() -> None:
    for minutes in range(1, 3000, 7):
        starts = NOW + timedelta(minutes=minutes)
        planned = due_times(starts, (DAY, HOUR, QUARTER), NOW)
        times = [due.at for due in planned if due.at is not None]
        assert all(NOW <= at < starts for at in times)
        assert sum(at == NOW for at in times) <= 1, "never a burst"
        assert times == sorted(times)


def other(offset: timedelta, at: datetime | None, state: str = "pending") -> Planned:
    return Planned(offset, state, at)


def judged(offset: timedelta, others: list[Planned], **given: Any) -> str | None:
    values: dict[str, Any] = {
        "cancellation": False,
        "offset": offset,
        "starts_at": NOW + timedelta(minutes=50),
        "cancelled": False,
        "now": NOW,
    }
    values.update(given)
    return why_not_send(others=others, **values)


def test_a_due_reminder_is_sent_unless_something_changed_since() -> None:
    starts = NOW + timedelta(minutes=50)
    assert judged(HOUR, [other(DAY, None, "skipped")]) is None
    assert judged(DAY, [other(HOUR, starts - HOUR)]) == "later_reminder_due"
    assert judged(DAY, [other(HOUR, starts - HOUR, "sent")]) is None
    assert judged(DAY, [other(HOUR, NOW + timedelta(minutes=1))]) is None, "not due yet"
    assert judged(HOUR, [], cancelled=True) == "interview_cancelled"
    assert judged(HOUR, [], now=starts) == "interview_started"
    assert judged(timedelta(0), [], cancellation=True, cancelled=True) is None
    assert judged(timedelta(0), [], cancellation=True, now=starts) == "interview_started"


def test_retries_back_off_and_stop_before_the_start() -> None:
    starts = NOW + timedelta(hours=3)
    waits = [retry_at(tries, NOW, starts) for tries in (1, 2, 3, 6, 7, 1000)]
    assert [None if at is None else (at - NOW) / timedelta(minutes=1) for at in waits] == [
        1,
        2,
        4,
        30,
        30,
        30,
    ]
    assert retry_at(1, NOW, NOW + timedelta(seconds=59)) is None
