"""The data channel between the check page and its session (docs/protocol.md): what we send,
typed, and what the page may send (`server/models/messages.py`), parsed and bounded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from aiortc import RTCDataChannel

from server.models.base import Contract
from server.models.messages import PageMessage, parse_message
from server.models.result import MeasuredChecks, Result

log = logging.getLogger(__name__)

CHANNEL_LABEL = "greenroom"
PROBE_CHANNEL_LABEL = "greenroom-probe"
"""The page opens this second channel, unordered and with a short lifetime, for the upload
probe's bytes: on a slow path they must neither hold up the session's messages nor queue
behind themselves for seconds."""


class LiveVideo(Contract):
    frames: int
    """Decoded so far (only while measuring)."""
    fps: float | None
    """Of the decoded frames."""
    received_fps: float | None
    """From the stream's timestamps, for the whole session."""
    width: int | None
    height: int | None
    mean_luma: float | None


class LiveAudio(Contract):
    rms_dbfs: float | None
    """The latest 100 ms window."""
    peak_dbfs: float | None
    speech_s: float


class LiveNetwork(Contract):
    rtt_ms: float | None


class LiveMetrics(Contract):
    """Live readings, a few times a second, for the page's meters."""

    type: Literal["metrics"] = "metrics"
    elapsed_s: float
    """Media time since the first frame."""
    video: LiveVideo
    audio: LiveAudio
    network: LiveNetwork


class Ping(Contract):
    """The page answers at once with a `pong` of the same `seq`."""

    type: Literal["ping"] = "ping"
    seq: int


class NextStep(Contract):
    """The measurement window is over: its checks, and now the speakers."""

    type: Literal["step"] = "step"
    step: Literal["speakers"] = "speakers"
    checks: MeasuredChecks


class ChimeHeard(Contract):
    """The server heard the chime in the microphone: the speakers work."""

    type: Literal["speakers"] = "speakers"
    heard_by_server: Literal[True] = True


class ProbeRequest(Contract):
    """Open the probe channel and send `bytes` of anything on it as binary messages of
    `chunk_bytes`, as fast as it takes them, for at most `seconds` (`analysis/uplink.py`)."""

    type: Literal["probe"] = "probe"
    bytes: int
    seconds: float
    chunk_bytes: int


class Verdict(Contract):
    type: Literal["verdict"] = "verdict"
    result: Result


ServerMessage = LiveMetrics | Ping | NextStep | ChimeHeard | ProbeRequest | Verdict


class PageChannel:
    """The session's data channel: typed messages out, parsed messages in. Anything the page
    sends that is not one of its messages is dropped."""

    def __init__(self, channel: RTCDataChannel, on_message: Callable[[PageMessage], None]) -> None:
        self._channel = channel
        self._on_message = on_message
        channel.on("message", self._received)

    def send(self, message: ServerMessage) -> None:
        if self._channel.readyState == "open":
            self._channel.send(message.model_dump_json())

    def _received(self, raw: str | bytes) -> None:
        # An exception here would unwind into aiortc's transport and end the connection.
        try:
            message = parse_message(raw)
            if message is not None:
                self._on_message(message)
        except Exception:
            log.exception("a page message could not be handled")


def count_probe(channel: RTCDataChannel, on_bytes: Callable[[int], None]) -> None:
    """Hands the size of each binary message on the probe channel to `on_bytes`; its text and
    its content are never looked at."""

    def received(raw: str | bytes) -> None:
        if isinstance(raw, bytes):
            on_bytes(len(raw))

    channel.on("message", received)
