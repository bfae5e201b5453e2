"""Which of the browser's ICE candidates we send connectivity checks to.

An offer names addresses and our server probes each one with STUN. Left alone, anyone holding a
check link could make it send to the server's own loopback services, the data centre's private
network or a multicast group. We probe only addresses a browser on the internet can have: never
loopback (unless our own media is on loopback, a development machine), link-local, multicast,
unspecified or reserved; private ranges, carrier-grade NAT and `.local` (mDNS) names only when
`GREENROOM_ICE_ALLOW_PRIVATE=1` (candidates and server on one private network).

Refusing a candidate never costs a connection a browser could make: its own checks reach our
host candidate, and ICE learns its address from them (a peer-reflexive candidate, RFC 8445
section 7.3.1.3), to which we then may send.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aioice import Candidate

CANDIDATE_PREFIX = "a=candidate:"
MDNS_SUFFIX = ".local"


@dataclass(frozen=True)
class CandidatePolicy:
    allow_private: bool = False
    """Private, carrier-grade NAT and other non-global addresses, and `.local` names."""
    allow_loopback: bool = False
    """127.0.0.0/8 and ::1: only when our own ICE host addresses are on loopback."""

    @classmethod
    def for_server(cls, allow_private: bool, ice_addresses: tuple[str, ...]) -> CandidatePolicy:
        """A server that offers a loopback host candidate can only be reached over loopback."""
        return cls(
            allow_private=allow_private,
            allow_loopback=any(ipaddress.ip_address(a).is_loopback for a in ice_addresses),
        )

    def allows(self, host: str) -> bool:
        """Whether we may send connectivity checks to a remote candidate at `host`."""
        if host.lower().endswith(MDNS_SUFFIX):
            return self.allow_private
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # a DNS name: aioice cannot use it and we do not resolve it
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback:
            return self.allow_loopback
        if address.is_unspecified or address.is_multicast or address.is_link_local:
            return False
        if address.is_reserved:
            return False
        return address.is_global or self.allow_private


def keep_allowed(sdp: str, policy: CandidatePolicy) -> str:
    """The SDP without the candidate lines naming a host `policy` does not allow (the rest
    unchanged): aioice would look a `.local` name up by multicast DNS as it applies the offer.

    Refused IP addresses stay: aioice fails at once a connection with no remote candidate,
    before a browser's own checks can arrive, so their pairs keep it waiting for those;
    `datagrams.IceGate` keeps every STUN message from going to them."""
    lines = sdp.splitlines()
    kept = [line for line in lines if not _refused(line, policy)]
    if len(kept) == len(lines):
        return sdp
    return "\r\n".join(kept) + "\r\n"


def _refused(line: str, policy: CandidatePolicy) -> bool:
    if not line.startswith(CANDIDATE_PREFIX):
        return False
    try:
        candidate = Candidate.from_sdp(line[len("a=") :])
    # aiortc parsed only the media sections' candidates: one before them may be anything.
    except (ValueError, IndexError):
        return True
    return not _is_address(candidate.host) and not policy.allows(candidate.host)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
