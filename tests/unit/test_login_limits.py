"""Failed sign-ins are limited in a sliding window, and the table of them stays bounded."""

from __future__ import annotations

from server.accounts import limits
from server.accounts.limits import FailureWindow


def test_the_limit_opens_again_as_failures_age() -> None:
    window = FailureWindow(limit=3, seconds=60)
    for second in (0, 10, 20):
        assert window.retry_after("a", second) is None
        window.fail("a", second)
    assert window.retry_after("a", 30) == 30, "until the first failure is a minute old"
    assert window.retry_after("b", 30) is None, "another key is not limited"
    assert window.retry_after("a", 60.5) is None


def test_forgetting_clears_a_key() -> None:
    window = FailureWindow(limit=1, seconds=60)
    window.fail("a", 0)
    assert window.retry_after("a", 1) is not None
    window.forget("a")
    assert window.retry_after("a", 1) is None


def test_the_table_is_bounded(monkeypatch: object) -> None:
    window = FailureWindow(limit=2, seconds=60)
    setattr(limits, "MAX_KEYS", 10)  # noqa: B010
    try:
        for key in range(25):
            window.fail(str(key), 0)
        assert len(window._failures) == 10
        assert "24" in window._failures
        assert "0" not in window._failures
    finally:
        setattr(limits, "MAX_KEYS", 100_000)  # noqa: B010
