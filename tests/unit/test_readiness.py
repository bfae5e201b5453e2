"""Who is at risk before the call, and in what order an attempt's reasons are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.checks.readiness import Risk, risk
from server.models.check import CheckStatus

NOW = datetime(2031, 3, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "hours", "expected"),
    [
        (CheckStatus.WARNINGS, 1.5, Risk.NOT_READY_SOON),
        (CheckStatus.NOT_READY, 1.9, Risk.NOT_READY_SOON),
        (CheckStatus.IN_PROGRESS, 0.5, Risk.NOT_READY_SOON),
        (CheckStatus.NOT_STARTED, 1.0, Risk.NEVER_STARTED),
        (CheckStatus.NOT_STARTED, 23.0, Risk.NEVER_STARTED),
        (CheckStatus.READY, 0.5, None),
        (CheckStatus.WARNINGS, 3.0, None),
        (CheckStatus.NOT_STARTED, 25.0, None),
        (CheckStatus.CANCELLED, 1.0, None),
        (CheckStatus.NOT_STARTED, -0.5, None),
    ],
)
def test_risk_rule(status: CheckStatus, hours: float, expected: Risk | None) -> None:
    assert risk(status, NOW + timedelta(hours=hours), NOW) == expected


def test_the_boundaries_are_inclusive() -> None:
    assert risk(CheckStatus.WARNINGS, NOW + timedelta(hours=2), NOW) == Risk.NOT_READY_SOON
    assert risk(CheckStatus.NOT_STARTED, NOW + timedelta(hours=24), NOW) == Risk.NEVER_STARTED
