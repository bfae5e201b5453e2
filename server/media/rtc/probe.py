"""Reads what aiortc knows about one connection into the network analysis's plain counters.

aiortc's public stats keep one inbound entry per receiver, whichever SSRC came last (often the
retransmission stream), and do not expose the selected ICE pair: those come through
`internals.py`.
"""

from __future__ import annotations

import time
from typing import Literal

from aiortc import RTCPeerConnection
from aiortc.stats import RTCRemoteInboundRtpStreamStats, RTCTransportStats

from server.media.analysis.network import (
    Candidate,
    CandidateType,
    StreamCounters,
    TransportSample,
)
from server.media.rtc import internals

# A peer-reflexive address is behind a NAT, as a server-reflexive one is.
CANDIDATE_TYPES: dict[str, CandidateType] = {
    "host": "host",
    "srflx": "srflx",
    "prflx": "srflx",
    "relay": "relay",
}
TRANSPORTS: dict[str, Literal["udp", "tcp"]] = {"udp": "udp", "tcp": "tcp"}


def inbound_streams(pc: RTCPeerConnection) -> tuple[StreamCounters, ...]:
    """Every incoming media stream, retransmission streams left out."""
    streams: list[StreamCounters] = []
    for transceiver in pc.getTransceivers():
        receiver = transceiver.receiver
        rtx = internals.rtx_ssrcs(receiver)
        for ssrc, stats in list(internals.remote_streams(receiver).items()):
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
        for pair in internals.nominated_pairs(transceiver.receiver.transport.transport):
            remote = pair.remote_candidate
            kind = CANDIDATE_TYPES.get(str(remote.type))
            transport = TRANSPORTS.get(str(remote.transport).lower())
            return None if kind is None or transport is None else Candidate(kind, transport)
    return None
