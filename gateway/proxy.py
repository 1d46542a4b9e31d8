"""The `url:` backend: a streaming reverse proxy to another process.

HTTP goes through one httpx client per backend (its connection pool is the backend's
connection limit); bodies stream both ways, so a 100 MB upload or an endless event stream
never sits in the gateway's memory. WebSockets are relayed with the `websockets` client.

What changes on the way, and why:
- hop-by-hop headers (RFC 9110 7.6.1, and any named in `Connection`) are dropped both ways:
  they describe one connection, not the message;
- `X-Forwarded-For` gets the client's address appended, `X-Forwarded-Proto` and
  `X-Forwarded-Host` say what the client asked for; `Host` is the upstream's;
- the upstream failing before it answers becomes a JSON error: 502 when it cannot be reached
  or breaks the protocol, 504 when it times out, 503 when the connection pool stays full.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from gateway.asgi import Receive, Scope, Send
from gateway.client import CLIENT_KEY, ClientChannel
from gateway.errors import json_error
from gateway.schema import UrlBackend

logger = logging.getLogger("mvgate.proxy")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set by the websockets client itself during the handshake.
WEBSOCKET_HANDSHAKE = frozenset(
    {
        b"host",
        b"sec-websocket-key",
        b"sec-websocket-version",
        b"sec-websocket-extensions",
        b"sec-websocket-protocol",
        b"sec-websocket-accept",
    }
)


class UpstreamBroken(Exception):
    """The upstream failed after the response had started: the client connection is cut."""


def end_to_end(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers without hop-by-hop ones (names lower-cased bytes, as in ASGI)."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [
        (name, value)
        for name, value in headers
        if name.lower() not in HOP_BY_HOP and name.lower() not in named
    ]


def forwarded_headers(
    scope: Scope, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The request's headers as the upstream should see them."""
    client = scope.get("client")
    kept: list[tuple[bytes, bytes]] = []
    forwarded_for: list[bytes] = []
    host = b""
    for name, value in end_to_end(headers):
        lowered = name.lower()
        if lowered == b"host":
            host = value
        elif lowered == b"x-forwarded-for":
            forwarded_for.append(value)
        elif lowered not in (b"x-forwarded-proto", b"x-forwarded-host"):
            kept.append((lowered, value))
    if client:
        forwarded_for.append(str(client[0]).encode("latin-1"))
    if forwarded_for:
        kept.append((b"x-forwarded-for", b", ".join(forwarded_for)))
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme"))
    kept.append((b"x-forwarded-proto", str(scheme or "http").encode("latin-1")))
    if host:
        kept.append((b"x-forwarded-host", host))
    return kept


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length":
            return value.strip() != b"0"
        if lowered == b"transfer-encoding":
            return True
    return False


class Proxy:
    def __init__(self, name: str, spec: UrlBackend) -> None:
        self.name = name
        self.spec = spec
        self.base = httpx.URL(spec.url)
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        spec = self.spec
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=spec.connect_timeout,
                read=spec.read_timeout,
                write=spec.read_timeout,
                pool=spec.connect_timeout,
            ),
            limits=httpx.Limits(
                max_connections=spec.max_connections,
                max_keepalive_connections=spec.max_connections,
            ),
            follow_redirects=False,
            trust_env=False,  # the upstream is named in the table, not by proxy variables
        )

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    def upstream_target(self, scope: Scope) -> bytes:
        """Base path + the request's path exactly as the client encoded it + query."""
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        target = self.base.raw_path.rstrip(b"/") + raw_path
        query = scope.get("query_string", b"")
        return target + b"?" + query if query else target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._relay_websocket(scope, receive, send)
        else:
            await self._proxy_http(scope, receive, send)

    async def _proxy_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.client is not None, "backend not started"
        client_channel: ClientChannel | None = scope.get(CLIENT_KEY)
        headers = scope["headers"]
        request = self.client.build_request(
            scope["method"],
            self.base.copy_with(raw_path=self.upstream_target(scope)),
            headers=forwarded_headers(scope, headers),
            content=_request_body(receive) if _has_body(headers) else None,
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TimeoutException as error:
            await self._fail(send, *self._timeout_status(error))
            return
        except (httpx.TransportError, ClientGone) as error:
            if isinstance(error, ClientGone):
                return
            logger.warning("backend %r: %s: %s", self.name, type(error).__name__, error)
            await self._fail(send, 502, f"backend {self.name!r} is unreachable")
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": end_to_end(list(response.headers.raw)),
                }
            )
            await self._stream_body(response, send, client_channel)
        finally:
            await response.aclose()

    def _timeout_status(self, error: httpx.TimeoutException) -> tuple[int, str]:
        if isinstance(error, httpx.PoolTimeout):
            return 503, f"backend {self.name!r}: too many requests in flight"
        logger.warning("backend %r: %s", self.name, type(error).__name__)
        return 504, f"backend {self.name!r} timed out"

    async def _fail(self, send: Send, status: int, message: str) -> None:
        for message_part in json_error(status, message):
            await send(message_part)

    async def _stream_body(
        self, response: httpx.Response, send: Send, client_channel: ClientChannel | None
    ) -> None:
        relay = asyncio.ensure_future(self._relay_body(response, send))
        if client_channel is None:
            await relay
            return
        gone = asyncio.ensure_future(client_channel.wait_disconnected())
        try:
            await asyncio.wait({relay, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not relay.done():
                # The client left (or we are cancelled): stop reading, so the upstream
                # sees the disconnect too.
                relay.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay
        if not relay.cancelled():
            relay.result()

    async def _relay_body(self, response: httpx.Response, send: Send) -> None:
        try:
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.TransportError as error:
            raise UpstreamBroken(
                f"backend {self.name!r} broke off its response: {type(error).__name__}"
            ) from error
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _relay_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        scheme = "wss" if self.base.scheme == "https" else "ws"
        url = f"{scheme}://{self.base.netloc.decode('ascii')}" + self.upstream_target(scope).decode(
            "latin-1"
        )
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in forwarded_headers(scope, scope["headers"])
            if name not in WEBSOCKET_HANDSHAKE
        ]
        try:
            upstream = await connect(
                url,
                additional_headers=headers,
                subprotocols=scope.get("subprotocols") or None,
                user_agent_header=None,
                proxy=None,
                open_timeout=self.spec.connect_timeout,
                max_size=None,
                compression=None,
            )
        except (OSError, TimeoutError, InvalidHandshake) as error:
            status = error.response.status_code if isinstance(error, InvalidStatus) else None
            logger.warning("backend %r: websocket refused (%s): %s", self.name, status, error)
            await send({"type": "websocket.close", "code": 1011})
            return
        async with upstream:
            await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol})
            await _pump_websocket(upstream, receive, send)


async def _pump_websocket(upstream: ClientConnection, receive: Receive, send: Send) -> None:
    async def client_to_upstream() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                await upstream.close(code=message.get("code", 1000))
                return
            if message.get("text") is not None:
                await upstream.send(message["text"])
            elif message.get("bytes") is not None:
                await upstream.send(message["bytes"])

    async def upstream_to_client() -> None:
        try:
            async for data in upstream:
                key = "text" if isinstance(data, str) else "bytes"
                await send({"type": "websocket.send", key: data})
        except ConnectionClosed:
            pass
        await send(
            {
                "type": "websocket.close",
                "code": upstream.close_code or 1000,
                "reason": upstream.close_reason or "",
            }
        )

    tasks = [
        asyncio.ensure_future(client_to_upstream()),
        asyncio.ensure_future(upstream_to_client()),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, OSError):
                await task


class ClientGone(Exception):
    """The client disconnected while its request body was being sent upstream."""


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return
