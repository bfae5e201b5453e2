"""The candidate's feedback is validated before anything is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from server.errors import InvalidInput
from server.web.feedback import MAX_COMMENT_CHARS, parse_feedback

NOW = datetime(2030, 5, 4, 12, 0, tzinfo=UTC)
ATTEMPT = "0123456789abcdef" * 2


def answer(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"attempt_id": ATTEMPT, "ease": 4, "comment": "Easy enough"}
    data.update(overrides)
    return data


def test_a_full_answer() -> None:
    feedback = parse_feedback(answer(), NOW)
    assert (feedback.attempt_id, feedback.ease, feedback.comment, feedback.at) == (
        ATTEMPT,
        4,
        "Easy enough",
        NOW,
    )


@pytest.mark.parametrize("comment", [None, "", "   \n\t "])
def test_the_comment_is_optional(comment: str | None) -> None:
    assert parse_feedback(answer(comment=comment), NOW).comment is None
    data = answer()
    del data["comment"]
    assert parse_feedback(data, NOW).comment is None


def test_the_comment_is_trimmed_and_keeps_its_line_breaks() -> None:
    comment = parse_feedback(answer(comment="  Hej!\r\nLätt 👍\rTack  \n"), NOW).comment
    assert comment == "Hej!\nLätt 👍\nTack"


def test_a_comment_of_the_longest_length_is_kept() -> None:
    longest = "å" * MAX_COMMENT_CHARS
    assert parse_feedback(answer(comment=f"  {longest}  "), NOW).comment == longest


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
        ({"comment": "lone \ud800 surrogate"}, "control"),
        ({"rating": 5}, "unexpected"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_reason(
    overrides: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_feedback(answer(**overrides), NOW)
    assert refused.value.code == "invalid_feedback"
    assert complaint in refused.value.message


def test_a_missing_ease_is_refused() -> None:
    data = answer()
    del data["ease"]
    with pytest.raises(InvalidInput, match="ease"):
        parse_feedback(data, NOW)
