"""When reminders are due: on time, the latest passed one at once, never a burst, never late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.notify.plan import Due, due_times

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
