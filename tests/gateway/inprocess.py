"""The whole gateway app driven in-process (httpx's ASGI transport): the same code path as
under a server, thousands of requests a second, and any client address a test wants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from gateway.app import Gateway, create_app
from gateway.settings import GatewaySettings

ClientFactory = Callable[..., httpx.AsyncClient]


@asynccontextmanager
async def started(table: Path, **settings: object) -> AsyncIterator[Gateway]:
    """The gateway, started (file watch and access log off unless asked for)."""
    options: dict[str, object] = {"watch": False, "access_log": False, **settings}
    gateway = create_app(GatewaySettings(routes=table, **options))
    await gateway.startup()
    try:
        yield gateway
    finally:
        await gateway.shutdown()


def client_of(
    gateway: Gateway, address: str = "127.0.0.1", base_url: str = "http://gw"
) -> httpx.AsyncClient:
    """A client seen by the gateway as coming from `address`; no cookie jar is kept, so
    each test says which cookies a request carries."""
    transport = httpx.ASGITransport(app=gateway, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url=base_url, cookies=None)
