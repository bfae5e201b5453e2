"""How the recruiter's pages write a reminder's lead time."""

from __future__ import annotations

import pytest

from server.web.dashboard.present import lead


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (15, "15 min"),
        (60, "1 h"),
        (90, "1 h 30 min"),
        (1440, "24 h"),
        (2880, "2 d"),
        (2885, "48 h 5 min"),
    ],
)
def test_lead_times(minutes: int, shown: str) -> None:
    assert lead(minutes) == shown
