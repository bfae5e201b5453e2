"""Candidate links and addresses stay out of the access log."""

from __future__ import annotations

import pytest

from server.logs import redact_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/c/abcDEF123_-xyz", "/c/…"),
        ("/c/abcDEF123_-xyz/offer", "/c/…/offer"),
        ("/api/v1/checks/42", "/api/v1/checks/42"),
        ("/healthz", "/healthz"),
    ],
)
def test_tokens_are_redacted(path: str, logged: str) -> None:
    assert redact_path(path) == logged
