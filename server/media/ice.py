"""ICE settings that aioice only exposes as a module function."""

from __future__ import annotations

import aioice.ice


def restrict_host_addresses(addresses: tuple[str, ...]) -> None:
    """Offer only `addresses` as host candidates, process-wide.

    aioice gathers on every interface and always leaves out 127.0.0.1; a server bound to one
    interface (or a test that must keep media on loopback) needs to choose.
    """
    if not addresses:
        return

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in addresses if (use_ipv6 if ":" in a else use_ipv4)]

    aioice.ice.get_host_addresses = host_addresses
