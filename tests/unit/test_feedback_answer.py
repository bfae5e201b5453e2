"""The candidate's feedback is validated before anything is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.errors import InvalidInput, MalformedRequest
from server.models.base import decode
from server.models.feedback import MAX_COMMENT_CHARS, FeedbackAnswer

ATTEMPT = "0123456789abcdef" * 2


def parse_feedback(data: dict[str, Any]) -> FeedbackAnswer:
    """As `POST /c/{token}/feedback` reads its JSON body."""
    return decode(FeedbackAnswer, json.dumps(data), code=FeedbackAnswer.error_code)


def answer(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"attempt_id": ATTEMPT, "ease": 4, "comment": "Easy enough"}
    data.update(overrides)
    return data


def test_a_full_answer() -> None:
    feedback = parse_feedback(answer())
    assert (feedback.attempt_id, feedback.ease, feedback.comment) == (ATTEMPT, 4, "Easy enough")


@pytest.mark.parametrize("comment", [None, "", "   \n\t "])
def test_the_comment_is_optional(comment: str | None) -> None:
    assert parse_feedback(answer(comment=comment)).comment is None
    data = answer()
    del data["comment"]
    assert parse_feedback(data).comment is None


def test_the_comment_is_trimmed_and_keeps_its_line_breaks() -> None:
    comment = parse_feedback(answer(comment="  Hej!\r\nLätt 👍\rTack  \n")).comment
    assert comment == "Hej!\nLätt 👍\nTack"


def test_a_comment_of_the_longest_length_is_kept() -> None:
    longest = "å" * MAX_COMMENT_CHARS
    assert parse_feedback(answer(comment=f"  {longest}  ")).comment == longest


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"ease": 0}, "ease"),
        ({"ease": 6}, "ease"),
        ({"ease": 3.0}, "ease"),
        ({"ease": "3"}, "ease"),
        ({"ease": True}, "ease"),
        ({"ease": None}, "ease"),
        ({"attempt_id": ATTEMPT.upper()}, "attempt_id"),
        ({"attempt_id": ATTEMPT[:-1]}, "attempt_id"),
        ({"attempt_id": 12}, "attempt_id"),
        ({"attempt_id": None}, "attempt_id"),
        ({"comment": "x" * (MAX_COMMENT_CHARS + 1)}, "1000"),
        ({"comment": 5}, "comment"),
        ({"comment": ["a"]}, "comment"),
        ({"comment": "tab\there"}, "control"),
        ({"comment": "nul\x00"}, "control"),
        ({"comment": "escape\x1b[31m"}, "control"),
        ({"comment": "c1\x85x"}, "control"),
        ({"rating": 5}, "unknown field: rating"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_reason(
    overrides: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_feedback(answer(**overrides))
    assert refused.value.code == "invalid_feedback"
    assert complaint in refused.value.message


def test_a_lone_surrogate_is_not_text() -> None:
    with pytest.raises(MalformedRequest):
        parse_feedback(answer(comment="lone \ud800 surrogate"))


def test_a_missing_ease_is_refused() -> None:
    data = answer()
    del data["ease"]
    with pytest.raises(InvalidInput, match="ease"):
        parse_feedback(data)
