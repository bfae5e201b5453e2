"""Every private aiortc and aioice attribute we read or replace, and nothing else.

aiortc keeps what we need out of its public API: the queue in which a receiver hands encoded
frames to its decoder (the passthrough loopback takes its place), the receiver's per-SSRC
statistics and its retransmission SSRCs (the network figures, and keyframe requests that must go
to the media SSRC), the sender's keyframe hook (a loopback has no encoder to force), the
nominated ICE pair, and the bytes a DTLS transport has received. aioice gathers host candidates
through one module function.

Each hook names the version it was checked against; `tests/integration/test_rtc_internals.py`
exercises every one on real peer connections and fails loudly when one moves. aiortc and aioice
are pinned to these minor versions in pyproject.toml.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Protocol

import aioice.ice
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcicetransport import RTCIceTransport

CHECKED_AGAINST = {"aiortc": "1.16", "aioice": "0.13"}
"""The minor versions every hook below was read against."""


class DecoderQueue(Protocol):
    """What a receiver puts its (codec, encoded frame) items into, and its decoder takes from."""

    def put(self, item: Any) -> None: ...

    def get(self, *args: Any, **kwargs: Any) -> Any: ...


class StreamStatistics(Protocol):
    """aiortc's per-SSRC receive statistics (RFC 3550 counters)."""

    _clockrate: int
    packets_received: int
    packets_lost: int
    jitter: int


def decoder_queue(receiver: RTCRtpReceiver) -> queue.Queue[Any]:
    """aiortc 1.16: `RTCRtpReceiver.__decoder_queue`, read by its decoder thread."""
    found: queue.Queue[Any] = receiver._RTCRtpReceiver__decoder_queue  # type: ignore[attr-defined]
    return found


def replace_decoder_queue(receiver: RTCRtpReceiver, replacement: DecoderQueue) -> None:
    """Puts `replacement` where the receiver hands complete encoded frames to its decoder."""
    receiver._RTCRtpReceiver__decoder_queue = replacement  # type: ignore[attr-defined]


def remote_streams(receiver: RTCRtpReceiver) -> dict[int, StreamStatistics]:
    """aiortc 1.16: `RTCRtpReceiver.__remote_streams`, statistics per incoming SSRC."""
    streams: dict[int, StreamStatistics] = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined]
    return streams


def rtx_ssrcs(receiver: RTCRtpReceiver) -> dict[int, int]:
    """aiortc 1.16: `RTCRtpReceiver.__rtx_ssrc`, retransmission SSRC -> media SSRC."""
    rtx: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
    return rtx


def media_ssrcs(receiver: RTCRtpReceiver) -> list[int]:
    """The SSRCs of the browser's media streams (not retransmission) this receiver has seen."""
    rtx = rtx_ssrcs(receiver)
    return [ssrc for ssrc in remote_streams(receiver) if ssrc not in rtx]


def send_pli(receiver: RTCRtpReceiver, ssrc: int) -> Coroutine[Any, Any, None]:
    """aiortc 1.16: `RTCRtpReceiver._send_rtcp_pli(media_ssrc)`, a keyframe request."""
    sending: Coroutine[Any, Any, None] = receiver._send_rtcp_pli(ssrc)
    return sending


def on_keyframe_request(sender: RTCRtpSender, handler: Callable[[], None]) -> None:
    """aiortc 1.16: `RTCRtpSender._send_keyframe()`, called on the peer's PLI or FIR, forces the
    sender's encoder; `handler` runs instead (a sender of pre-encoded frames has no encoder)."""
    sender._send_keyframe = handler  # type: ignore[method-assign]


def received_bytes(pc: RTCPeerConnection) -> int:
    """aiortc 1.16: `RTCDtlsTransport.__rx_bytes`, every byte received on the connection's DTLS
    transports (media and data channel alike), read without awaiting `getStats()`: the upload
    probe stamps each of its messages with it as it arrives."""
    transports = {id(t.receiver.transport): t.receiver.transport for t in pc.getTransceivers()}
    if pc.sctp is not None:
        transports[id(pc.sctp.transport)] = pc.sctp.transport
    return sum(int(t._RTCDtlsTransport__rx_bytes) for t in transports.values())  # type: ignore[attr-defined,misc]


def nominated_pairs(ice: RTCIceTransport) -> list[Any]:
    """aioice 0.13: `Connection._nominated`, component -> nominated CandidatePair, reached
    through aiortc 1.16's `RTCIceTransport._connection`."""
    nominated: dict[int, Any] = ice._connection._nominated
    return list(nominated.values())


HostAddresses = Callable[[bool, bool], list[str]]


@contextlib.contextmanager
def host_addresses(addresses: tuple[str, ...]) -> Iterator[None]:
    """Offer only `addresses` as ICE host candidates (process-wide) while the block runs.

    aioice 0.13 gathers through `aioice.ice.get_host_addresses(use_ipv4, use_ipv6)`, on every
    interface and always without 127.0.0.1; a server bound to one interface (or a test that must
    keep media on loopback) needs to choose. The previous function is put back afterwards, so
    these nest. With no addresses nothing changes.
    """
    if not addresses:
        yield
        return
    previous: HostAddresses = aioice.ice.get_host_addresses

    def chosen(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in addresses if (use_ipv6 if ":" in a else use_ipv4)]

    aioice.ice.get_host_addresses = chosen
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = previous  # type: ignore[assignment]
