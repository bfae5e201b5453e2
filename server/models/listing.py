"""Lists over the API: the checks query, its pages, and the keyset cursor that links them."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field

from server.errors import InvalidInput
from server.models.base import Contract, Timestamp
from server.models.check import CheckStatus, CheckView
from server.models.result import Result

MAX_PAGE = 200


def _iso_8601(value: object) -> object:
    # The lax mode would also read a number such as `0.5` as a time (seconds since 1970).
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("is not an ISO 8601 date and time") from None
    return value


QueryTime = Annotated[Timestamp, BeforeValidator(_iso_8601)]


class CheckListQuery(Contract):
    """`GET /api/v1/checks` query parameters."""

    # Query parameters are strings: read `limit=50` as a number, nothing else leniently.
    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)

    status: CheckStatus | None = None
    starts_after: QueryTime | None = Field(
        None, description="Only interviews starting at or after this time"
    )
    starts_before: QueryTime | None = Field(
        None, description="Only interviews starting before this time"
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(
        None, max_length=120, description="`next_cursor` of the previous page"
    )

    def after(self) -> tuple[datetime, str] | None:
        return None if self.cursor is None else decode_cursor(self.cursor)


class CheckPage(Contract):
    items: list[CheckView] = Field(description="Newest interview first")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


class AttemptPage(Contract):
    items: list[Result] = Field(description="The check's attempts, the latest first")


def encode_cursor(starts_at: datetime, check_id: str) -> str:
    """Opaque to clients: where the last page ended, as (interview start, check id)."""
    raw = f"{starts_at.isoformat()}_{check_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        moment, _, check_id = raw.rpartition("_")
        starts_at = datetime.fromisoformat(moment)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor: is not a cursor this API gave") from None
    if starts_at.tzinfo is None or len(check_id) != 32 or not check_id.isalnum():
        raise InvalidInput("cursor: is not a cursor this API gave")
    return starts_at, check_id
