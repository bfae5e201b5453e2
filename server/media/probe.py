"""Reads what aiortc knows about one connection into `network.py`'s plain counters.

aiortc's public stats keep one inbound entry per receiver, whichever SSRC came last (often the
retransmission stream), and do not expose the selected ICE pair. The few private attributes read
here belong to the pinned aiortc/aioice minor versions; tests/integration/test_probe.py fails
loudly when they move.
"""

from __future__ import annotations

import time
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.stats import RTCRemoteInboundRtpStreamStats, RTCTransportStats

from server.media.network import Candidate, StreamCounters, TransportSample


def inbound_streams(pc: RTCPeerConnection) -> tuple[StreamCounters, ...]:
    """Every incoming media stream, retransmission streams left out."""
    streams: list[StreamCounters] = []
    for transceiver in pc.getTransceivers():
        receiver = transceiver.receiver
        remote: dict[int, Any] = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined]
        rtx: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
        for ssrc, stats in list(remote.items()):
            if ssrc in rtx:
                continue
            streams.append(
                StreamCounters(
                    ssrc=ssrc,
                    kind=transceiver.kind,
                    clock_rate=int(stats._clockrate),
                    packets_received=int(stats.packets_received),
                    packets_lost=int(stats.packets_lost),
                    jitter=int(stats.jitter),
                )
            )
    return tuple(streams)


async def sample(pc: RTCPeerConnection) -> TransportSample:
    report = await pc.getStats()
    # With BUNDLE every transceiver shares one transport; count each transport once.
    transports = {s.id: s for s in report.values() if isinstance(s, RTCTransportStats)}
    remote = [s for s in report.values() if isinstance(s, RTCRemoteInboundRtpStreamStats)]
    rtts = [s.roundTripTime for s in remote if s.roundTripTime is not None]
    return TransportSample(
        at=time.monotonic(),
        bytes_received=sum(t.bytesReceived for t in transports.values()),
        bytes_sent=sum(t.bytesSent for t in transports.values()),
        streams=inbound_streams(pc),
        remote_rtt_s=max(rtts) if rtts else None,
        # fractionLost is the RTCP field: lost packets out of 256 since the last report.
        remote_fraction_lost=max(s.fractionLost for s in remote) / 256.0 if remote else None,
    )


def selected_candidate(pc: RTCPeerConnection) -> Candidate | None:
    """The remote side of the nominated ICE pair, once ICE has connected."""
    for transceiver in pc.getTransceivers():
        ice = transceiver.receiver.transport.transport
        nominated: dict[int, Any] = ice._connection._nominated
        for pair in nominated.values():
            remote = pair.remote_candidate
            kind = "srflx" if remote.type == "prflx" else str(remote.type)
            return Candidate(type=kind, transport=str(remote.transport).lower())
    return None
