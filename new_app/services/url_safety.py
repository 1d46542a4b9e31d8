"""Which URLs the server may fetch on a user's behalf (downloads, thumbnails).

Only http and https, and (unless ALLOW_PRIVATE_DOWNLOAD_HOSTS) no host that is or resolves
to a loopback, private, link-local or otherwise non-public address: a download URL must not
turn the server into a probe of its own network. Names are resolved with the event loop's
resolver (a worker thread), never inline.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrlError(ValueError):
    """The URL may not be fetched; the message is meant for the client."""


async def host_addresses(host: str) -> list[IPAddress]:
    """The addresses `host` stands for: itself if it is an IP literal, else its DNS answers
    (none if it does not resolve: the fetch will then fail on its own)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def check_fetchable_url(url: str, *, allow_private_hosts: bool) -> None:
    """Raise UnsafeUrlError unless the server may fetch `url`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise UnsafeUrlError("Only http and https URLs can be downloaded") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not host:
        raise UnsafeUrlError("Only http and https URLs can be downloaded")
    if allow_private_hosts:
        return
    if any(not is_public(address) for address in await host_addresses(host)):
        raise UnsafeUrlError("Downloads from private or loopback hosts are not allowed")
