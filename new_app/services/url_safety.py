"""Which URLs the server may fetch on a user's behalf, the async way.

The verdict is shared_models.url_safety's. Here: `check_fetchable_url` (the URL's syntax
and its DNS answers now, for a quick 400; names are resolved by the event loop's resolver,
a worker thread) and `CheckedNetworkBackend`, the httpx client's connection layer: it
resolves each host itself, checks every address, and connects to the checked address, so
the address checked is the address used, for redirects and changed DNS answers alike.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Sequence
from typing import Any

import httpcore

from shared_models.url_safety import UnsafeUrlError, check_address, check_url

__all__ = ["CheckedNetworkBackend", "UnsafeUrlError", "check_fetchable_url"]


async def resolve(host: str, port: int | None = None) -> list[str]:
    """The addresses `host` resolves to (none if it does not resolve)."""
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(
            host, port, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError):
        return []
    return [str(answer[4][0]) for answer in answers]


async def check_fetchable_url(url: str, *, allow_private_hosts: bool) -> None:
    """Raise UnsafeUrlError unless the server may fetch `url` (as DNS answers now)."""
    host = check_url(url, allow_private_hosts=allow_private_hosts)
    if allow_private_hosts:
        return
    for address in await resolve(host):
        check_address(host, address)


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to public addresses, except for the `trusted` hosts (the configured
    upstream APIs, which may well live on the operator's own network)."""

    def __init__(self, trusted: Iterable[str] = ()) -> None:
        self.backend = httpcore.AnyIOBackend()
        self.trusted = frozenset(host.lower() for host in trusted)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Sequence[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host.lower() in self.trusted:
            return await self.backend.connect_tcp(
                host, port, timeout, local_address, socket_options
            )
        addresses = await resolve(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        for address in addresses:
            try:
                check_address(host, address)
            except UnsafeUrlError as error:
                raise httpcore.ConnectError(f"{error} ({host})") from None
        # The first checked address: TLS still verifies the certificate against `host`.
        return await self.backend.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Sequence[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.backend.sleep(seconds)
