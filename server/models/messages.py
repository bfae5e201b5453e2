"""What the page may say on the data channel. Anything else is dropped."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from server.models.base import Contract
from server.models.result import BrowserTimings

MAX_MESSAGE_BYTES = 4096
MAX_KBPS = 1_000_000.0

Kbps = Annotated[float, Field(ge=0, le=MAX_KBPS)]


class Hello(Contract):
    """The channel is open (the page's first word; nothing to do)."""

    type: Literal["hello"]


class Pong(Contract):
    """The answer to our `ping` with the same `seq`: a round trip."""

    type: Literal["pong"] = "pong"
    seq: int = Field(ge=0)


class SpeakersAnswer(Contract):
    """ "I heard it" (true) or "I didn't hear it" (false) in the speakers step."""

    type: Literal["speakers"] = "speakers"
    heard: bool


class Stats(Contract):
    """The page's own view: download as it receives the loopback, and how long each phase took."""

    type: Literal["stats"] = "stats"
    download_kbps: Kbps | None = None
    relay_protocol: Literal["udp", "tcp", "tls"] | None = None
    timings_ms: BrowserTimings = BrowserTimings()


class Bye(Contract):
    """The page is leaving: end the session now rather than wait for the transport to time out."""

    type: Literal["bye"] = "bye"


PageMessage = Annotated[Hello | Pong | SpeakersAnswer | Stats | Bye, Field(discriminator="type")]
_messages: TypeAdapter[PageMessage] = TypeAdapter(PageMessage)


def parse_message(raw: str | bytes) -> PageMessage | None:
    """A message the page may send, or None for anything else (binary, too long, unknown)."""
    if isinstance(raw, bytes) or len(raw) > MAX_MESSAGE_BYTES:
        return None
    try:
        return _messages.validate_json(raw)
    except ValidationError:
        return None
