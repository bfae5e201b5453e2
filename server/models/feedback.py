"""The candidate's answer to "How easy was it to get ready?" (1-5) and an optional comment."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from server.models.base import CONTROL_BUT_NEWLINE, Body, Contract, Id, Timestamp

MAX_COMMENT_CHARS = 1000


def _comment(value: object) -> object:
    # A textarea's value has \n line ends, but a pasted or form-encoded text may bring \r\n.
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if CONTROL_BUT_NEWLINE.search(value):
            raise ValueError("may not contain control characters other than line breaks")
        return value or None
    return value


Comment = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)] | None,
    BeforeValidator(_comment),
]


class FeedbackAnswer(Body):
    """`POST /c/{token}/feedback`: the answer about one attempt of this check."""

    error_code = "invalid_feedback"

    attempt_id: Id
    """The attempt the candidate had just finished when they answered."""
    ease: int = Field(ge=1, le=5)
    """1 (hard) to 5 (easy); 4.0, "4" and true are not answers."""
    comment: Comment = None
    """Their own words; blank stores no comment."""


class Feedback(Contract):
    """A stored answer; the latest answer for an attempt replaces an earlier one."""

    attempt_id: Id
    ease: int
    comment: str | None
    at: Timestamp
