"""A routed address inside the test network namespace (tests/isolated.sh), for Firefox.

Firefox gathers no ICE candidate at all in a namespace that has only loopback: it never offers
127.0.0.1 as a host candidate of its own (`media.peerconnection.ice.loopback` only lets it accept
the server's), and without a default route it offers no other address either. So, for as long as
a Firefox test runs, the namespace gets a veth pair with both ends inside it, an address from
TEST-NET-1 (RFC 5737, routed nowhere) and a default route through it. Firefox then offers that
address and reaches the server's 127.0.0.1 from it; a packet for any other address goes into the
veth's other end and stops there, so nothing can leave the namespace.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

LINK = "grfirefox0"
PEER = "grfirefox1"
ADDRESS = "192.0.2.1"
GATEWAY = "192.0.2.2"


class NamespaceError(RuntimeError):
    """Not inside the test namespace, or it is not as tests/isolated.sh makes it."""


def _ip(*args: str) -> str:
    done = subprocess.run(["ip", *args], check=True, capture_output=True, text=True)
    return done.stdout


def _links() -> set[str]:
    # `ip -o link` lines read "1: lo: <LOOPBACK,…" (a veth end as "3: name@peer: …").
    return {line.split(": ")[1].split("@")[0] for line in _ip("-o", "link").splitlines()}


@contextmanager
def routed_address() -> Iterator[str]:
    """Adds the address and the default route, yields the address, and removes both."""
    # Changing the routes of the machine itself would be a disaster: check twice where we are.
    if os.environ.get("GREENROOM_ISOLATED") != "1":
        raise NamespaceError("run inside tests/isolated.sh (a network namespace of its own)")
    others = _links() - {"lo"}
    if others:
        raise NamespaceError(f"the namespace should have only loopback, it has {sorted(others)}")
    _ip("link", "add", LINK, "type", "veth", "peer", "name", PEER)
    try:
        _ip("address", "add", f"{ADDRESS}/24", "dev", LINK)
        _ip("link", "set", LINK, "up")
        _ip("link", "set", PEER, "up")
        _ip("route", "add", "default", "via", GATEWAY, "dev", LINK)
        yield ADDRESS
    finally:
        # Deleting one end deletes the pair, its address and the route through it.
        _ip("link", "delete", LINK)
