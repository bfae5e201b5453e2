"""Where a webhook may go: `https://` to public addresses only, so that a customer's endpoint
cannot make us call our own network (SSRF). Checked when the endpoint is made and again on
every connection, by the resolver the delivering client uses, since DNS can change."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class RefusedAddress(OSError):
    """The endpoint's host is, or resolves to, an address we do not send to."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool) -> str:
    """The host to resolve; raises ValueError for a URL we never send to."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValueError("must be an https:// URL")
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise ValueError("must be https://host[:port][/path] without credentials or fragment")
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise ValueError("has a port out of range") from None
    host = parts.hostname
    if len(host) > 253 or any(not 0 < len(label) <= 63 for label in host.rstrip(".").split(".")):
        raise ValueError("has a host name DNS cannot hold")
    return host


def refused_literal(host: str, *, allow_private: bool) -> bool:
    """A host written as an IP address is never resolved, so it is judged here."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not allow_private and not is_public(host.strip("[]"))


class PublicResolver(AbstractResolver):
    """aiohttp's resolver, refusing every name that resolves to any address that is not public
    (all of them, so that no address of a mixed answer can be chosen)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._resolver = DefaultResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        if not self._allow_private:
            refused = [entry["host"] for entry in found if not is_public(entry["host"])]
            if refused:
                raise RefusedAddress(f"{host} resolves to a non-public address")
        return found

    async def close(self) -> None:
        await self._resolver.close()


async def resolves_publicly(host: str, *, allow_private: bool) -> None:
    """Raises RefusedAddress unless every address of `host` is public (or private ones are
    allowed); OSError when it does not resolve at all."""
    resolver = PublicResolver(allow_private=allow_private)
    try:
        await resolver.resolve(host, 443, socket.AF_UNSPEC)
    finally:
        await resolver.close()
