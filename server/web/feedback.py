"""Validation of the candidate's feedback: "How easy was it to get ready?" (1-5) and a comment."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from server.errors import InvalidInput
from server.store.feedback import Feedback

MAX_FEEDBACK_BYTES = 4096
MAX_COMMENT_CHARS = 1000
FIELDS = {"attempt_id", "ease", "comment"}
ATTEMPT_ID_SHAPE = re.compile(r"[0-9a-f]{32}")
# Control characters (C0, DEL, C1) other than the newline, and lone surrogates, which are not text.
UNPRINTABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_feedback")


def parse_feedback(data: dict[str, Any], now: datetime) -> Feedback:
    unknown = set(data) - FIELDS
    if unknown:
        raise _refuse(f"unexpected field(s): {', '.join(sorted(unknown))[:200]}")
    attempt_id = data.get("attempt_id")
    if not isinstance(attempt_id, str) or not ATTEMPT_ID_SHAPE.fullmatch(attempt_id):
        raise _refuse("attempt_id must be the attempt's id: 32 lowercase hexadecimal characters")
    ease = data.get("ease")
    # bool is an int in Python, and 4.0 is not an answer on a 1-5 scale.
    if type(ease) is not int or not 1 <= ease <= 5:
        raise _refuse("ease must be a whole number from 1 to 5")
    return Feedback(attempt_id=attempt_id, ease=ease, comment=_comment(data.get("comment")), at=now)


def _comment(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _refuse("comment must be a string")
    # A textarea's value has \n line ends, but a pasted or form-encoded text may bring \r\n.
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > MAX_COMMENT_CHARS:
        raise _refuse(f"comment must be at most {MAX_COMMENT_CHARS} characters")
    if UNPRINTABLE.search(value):
        raise _refuse("comment may not contain control characters other than line breaks")
    return value or None
