"""Which remote ICE candidates the server sends connectivity checks to."""

from __future__ import annotations

import pytest

from server.media.rtc.candidates import CandidatePolicy, keep_allowed

STRICT = CandidatePolicy()
PRIVATE = CandidatePolicy(allow_private=True)
DEVELOPMENT = CandidatePolicy(allow_private=True, allow_loopback=True)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "::ffff:127.0.0.1",
        "169.254.10.20",
        "fe80::1",
        "224.0.0.251",
        "239.255.255.250",
        "ff02::1",
        "0.0.0.0",
        "::",
        "255.255.255.255",
        "240.0.0.1",
        "interview.example.com",
    ],
)
def test_never_probed_in_production_or_with_private_allowed(host: str) -> None:
    assert not STRICT.allows(host)
    if not host.startswith(("127.", "::1", "::ffff:127")):
        assert not DEVELOPMENT.allows(host), "only loopback has a rule of its own"


@pytest.mark.parametrize(
    "host",
    ["10.1.2.3", "172.16.0.9", "192.168.1.20", "100.64.3.4", "fd12:3456::1", "abc-123.local"],
)
def test_private_addresses_and_mdns_names_only_when_allowed(host: str) -> None:
    assert not STRICT.allows(host)
    assert PRIVATE.allows(host)


@pytest.mark.parametrize("host", ["8.8.8.8", "81.2.69.160", "2a00:1450:4001:80b::200e"])
def test_public_addresses_are_probed(host: str) -> None:
    assert STRICT.allows(host)


def test_loopback_only_for_a_server_whose_own_media_is_on_loopback() -> None:
    assert CandidatePolicy.for_server(False, ("127.0.0.1",)).allows("127.0.0.1")
    assert not CandidatePolicy.for_server(True, ("10.0.0.1",)).allows("127.0.0.1")
    assert not CandidatePolicy.for_server(True, ()).allows("127.0.0.1"), (
        "every interface (the default) is never loopback: aioice leaves 127.0.0.1 out"
    )


def test_only_names_are_removed_from_the_offer() -> None:
    # Refused addresses stay in the SDP (their pairs keep ICE waiting for the browser's own
    # checks) and are never sent to; a name would be looked up by multicast DNS at once.
    sdp = "\r\n".join(
        [
            "v=0",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "a=candidate:1 1 udp 2122260223 81.2.69.160 50000 typ host",
            "a=candidate:2 1 udp 2122260223 192.168.1.20 50001 typ host",
            "a=candidate:3 1 udp 2122260223 4fd8a2b1-0c1d.local 50002 typ host",
            "a=candidate:4 1 udp 2122260223 interview.example.com 50003 typ host",
            "a=end-of-candidates",
            "",
        ]
    )
    strict = keep_allowed(sdp, STRICT).split("\r\n")
    assert [line.split()[4] for line in strict if line.startswith("a=candidate")] == [
        "81.2.69.160",
        "192.168.1.20",
    ]
    assert "a=end-of-candidates" in strict
    private = keep_allowed(sdp, PRIVATE)
    assert "4fd8a2b1-0c1d.local" in private
    assert "interview.example.com" not in private
