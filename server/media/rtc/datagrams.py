"""What reaches one session's ICE connection over UDP, and where it may send.

aioice hands every datagram of its sockets that is not STUN to a queue that aiortc reads only
once ICE has completed, from any source and without bound: a flood at the answer's port before
the browser connects (or from anywhere, after) would grow memory until the session's time limit.
Per connection, `IceGate` lets through:
- STUN (first byte 0-3, RFC 7983) as aioice has it: it answers or drops each, keeps at most 100
  early checks and authenticates every check;
- anything else only from a remote candidate's address (one the offer named and our candidate
  policy allows, or one an authenticated check came from: a peer-reflexive candidate);
- at most `MAX_EARLY_DATAGRAMS` waiting before ICE completes (the DTLS handshake's first
  flights), `MAX_QUEUED_DATAGRAMS` after (a reader that falls behind loses packets, as a network
  would).
It sends STUN only to addresses our candidate policy allows or that proved themselves with an
authenticated check, so an offer cannot make us probe loopback or private services.

A sender that spoofs a remote candidate's address and port gets past the address rule; the queue
bound still holds.
"""

from __future__ import annotations

import aioice
from aiortc import RTCPeerConnection

from server.media.rtc import internals
from server.media.rtc.candidates import CandidatePolicy

MAX_EARLY_DATAGRAMS = 64
"""A DTLS handshake's first flights are a few datagrams; media waits for it."""
MAX_QUEUED_DATAGRAMS = 1024
"""About 1.3 MB: seconds of a browser's media if the event loop stalls."""
MAX_HEARD = 32
"""Addresses proven by authenticated checks that we may send to; a browser uses a few."""
STUN_FIRST_BYTES = range(0, 4)


class IceGate:
    """One aioice connection's guard (`internals.IceGuard`)."""

    def __init__(self, connection: aioice.Connection, policy: CandidatePolicy) -> None:
        self.dropped = 0
        """Datagrams refused: from an address that is no remote candidate, or past the bound."""
        self.refused_sends = 0
        """STUN messages not sent, to an address the policy refuses."""
        self._connection = connection
        self._policy = policy
        self.proven: set[tuple[str, int]] = set()
        """Addresses an authenticated check came from (at most `MAX_HEARD`)."""
        self._sources: set[tuple[str, int]] = set()
        self._candidates_seen = -1

    def admits(self, data: bytes, addr: tuple[str, int]) -> bool:
        if data and data[0] in STUN_FIRST_BYTES:
            return True
        if addr in self.proven or addr in self._remote_sources():
            return True
        self.dropped += 1
        return False

    def queues(self, connection: aioice.Connection) -> bool:
        limit = MAX_QUEUED_DATAGRAMS if internals.is_nominated(connection) else MAX_EARLY_DATAGRAMS
        if internals.queued_datagrams(connection) < limit:
            return True
        self.dropped += 1
        return False

    def heard(self, addr: tuple[str, int]) -> None:
        if len(self.proven) < MAX_HEARD:
            self.proven.add(addr)

    def sends_to(self, addr: tuple[str, int]) -> bool:
        if addr in self.proven or self._policy.allows(addr[0]):
            return True
        self.refused_sends += 1
        return False

    def _remote_sources(self) -> set[tuple[str, int]]:
        # Candidates are only ever added; rebuilt when one is, not on every datagram.
        candidates = internals.remote_candidates(self._connection)
        if len(candidates) != self._candidates_seen:
            self._candidates_seen = len(candidates)
            self._sources = {
                internals.candidate_address(c)
                for c in candidates
                if c.type == "prflx" or self._policy.allows(c.host)
            }
        return self._sources


def guard(pc: RTCPeerConnection, policy: CandidatePolicy) -> list[IceGate]:
    """Guards each ICE connection of `pc`: once the offer is applied, before gathering."""
    gates = []
    for connection in internals.ice_connections(pc):
        gate = IceGate(connection, policy)
        internals.guard_ice(connection, gate)
        gates.append(gate)
    return gates
