"""What every contract shares: strictness, bounded text, timestamps, and one way to decode."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    model_serializer,
)
from pydantic_core import ErrorDetails

from server.errors import InvalidInput, MalformedRequest

# Control characters would break e-mail headers and calendars; lone surrogates are not text.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, but a comment may have line breaks.
CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class Contract(BaseModel):
    """A shape others build on: strict, closed and immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class Sparse(Contract):
    """A contract that writes only the fields given: left out is not the same as `null`."""

    # Its JSON Schema is the validation one (`mode="validation"`), which the output always matches.
    @model_serializer(mode="wrap")
    def _given_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {name: value for name, value in data.items() if name in self.model_fields_set}


class Body(Contract):
    """A request body: at most `max_bytes`, and refused with `error_code` (HTTP 422)."""

    max_bytes: ClassVar[int] = 4096
    error_code: ClassVar[str] = "invalid_input"


def _printable(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("contains control or invalid characters")
    return value


MAX_LINE_CHARS = 200
# What the JSON Schema can say of a line: printable, and not only spaces.
LINE_SHAPE = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LINE_CHARS),
    AfterValidator(_printable),
    Field(json_schema_extra={"pattern": LINE_SHAPE}),
]
"""One line of a person's text (a name, a title, an agenda item): trimmed, not empty, printable."""


Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
"""Our identifiers: 32 lowercase hexadecimal characters."""

Timestamp = Annotated[
    AwareDatetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)
]
"""An aware date-time, written as Python's ISO 8601 (`2031-03-30T08:30:00+00:00`)."""

M = TypeVar("M", bound=BaseModel)
MAX_MESSAGE_CHARS = 300


def decode(model: type[M], raw: bytes | str, *, code: str = "invalid_input") -> M:
    """`raw` JSON as `model`, or a domain error: 400 when it is not JSON, 422 (`code`) when it
    is JSON of the wrong shape. The message names the first field at fault."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if errors[0]["type"] == "json_invalid":
            raise MalformedRequest("body is not valid JSON") from None
        raise InvalidInput(describe(errors), code=code) from None


def describe(errors: list[ErrorDetails]) -> str:
    """What is wrong, for a person: `candidate.email: is not an e-mail address`, or every
    unknown field at once."""
    unknown = sorted(_where(e) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        fields = ", ".join(unknown)
        text = f"unknown field: {fields}" if len(unknown) == 1 else f"unknown fields: {fields}"
    elif errors[0]["type"] == "model_type" and not errors[0]["loc"]:
        text = "body must be a JSON object"
    else:
        where = _where(errors[0])
        message = errors[0]["msg"].removeprefix("Value error, ")
        text = f"{where}: {message}" if where else message
    # Field names come from the client: an error message stays short whatever they sent.
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _where(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"])
