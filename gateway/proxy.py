"""The `url:` backend: a streaming reverse proxy to another process.

HTTP goes through one aiohttp client session per backend (measured cheaper per request
than httpx, whose pool cost grows with concurrency; see benchmarks/proxy_peers); bodies
stream both ways, so a 100 MB upload or an endless event stream never sits in the
gateway's memory. WebSockets are relayed with the `websockets` client.

The upstream sees each client's request as that client sent it, and nothing of any other:
- no cookie jar: a `Set-Cookie` from the upstream goes to the client that caused it, and
  only the `Cookie` header a client sends reaches the upstream with its own request;
- nothing added: no `Accept`, `Accept-Encoding` or `User-Agent` of the gateway's, and no
  decompression (the bytes pass as the upstream sent them);
- hop-by-hop headers (RFC 9110 7.6.1, and any named in `Connection`) are dropped both ways:
  they describe one connection, not the message;
- `X-Forwarded-For` gets the client's address appended, `X-Forwarded-Proto` and
  `X-Forwarded-Host` say what the client asked for; `Host` is the upstream's;
- a `Location` or `Content-Location` pointing at the upstream is rewritten to the address
  the client used, so redirects never send a client to the upstream itself;
- the upstream failing before it answers becomes a JSON error: 502 when it cannot be reached
  or breaks the protocol, 504 when it times out, 503 when all `max_connections` stay busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from urllib.parse import quote

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from yarl import URL

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
# Headers aiohttp would add to a request that lacks them; the client's request is sent as
# it came (Content-Type: aiohttp's octet-stream default for a streamed body).
NOT_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
LOCATIONS = frozenset({b"location", b"content-location"})
# Replaced by the gateway (Host: the upstream's own, set by the client library).
FORWARDING = frozenset({b"host", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})
HTTP_SCHEME = {"http": b"http", "https": b"https", "ws": b"http", "wss": b"https"}
# Upstream answers may be larger than aiohttp's defaults allow (8 KiB lines, 128 headers);
# the client's own limits are the gateway's, applied before a request reaches us.
MAX_UPSTREAM_FIELD = 64 * 1024
MAX_UPSTREAM_HEADERS = 1000


class UpstreamBroken(Exception):
    """The upstream failed after the response had started: the client connection is cut."""


def end_to_end(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers without hop-by-hop ones, names lower-cased (as ASGI has them)."""
    kept: list[tuple[bytes, bytes]] = []
    named: set[bytes] = set()
    for name, value in headers:
        name = name.lower()
        if name in HOP_BY_HOP:
            if name == b"connection":
                named.update(token.strip().lower() for token in value.split(b","))
        else:
            kept.append((name, value))
    if named:
        return [(name, value) for name, value in kept if name not in named]
    return kept


def forwarded(
    scope: Scope, headers: list[tuple[bytes, bytes]]
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The request's headers as the upstream should see them, and the client's Host."""
    kept: list[tuple[bytes, bytes]] = []
    forwarded_for: list[bytes] = []
    host = b""
    for name, value in end_to_end(headers):
        if name in FORWARDING:
            if name == b"host":
                host = value
            elif name == b"x-forwarded-for":
                forwarded_for.append(value)
        else:
            kept.append((name, value))
    client = scope.get("client")
    if client:
        forwarded_for.append(str(client[0]).encode("latin-1"))
    if forwarded_for:
        kept.append((b"x-forwarded-for", b", ".join(forwarded_for)))
    scheme = HTTP_SCHEME.get(scope.get("scheme", "http"), b"http")
    kept.append((b"x-forwarded-proto", scheme))
    if host:
        kept.append((b"x-forwarded-host", host))
    return kept, host


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length":
            return value.strip() != b"0"
        if lowered == b"transfer-encoding":
            return True
    return False


def gateway_address(scope: Scope, host: bytes) -> bytes:
    """`scheme://host` as the client addressed the gateway."""
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}".encode("latin-1") if server else b"localhost"
    return HTTP_SCHEME.get(scope.get("scheme", "http"), b"http") + b"://" + host


class Proxy:
    def __init__(self, name: str, spec: UrlBackend) -> None:
        self.name = name
        self.spec = spec
        self.base = URL(spec.url)
        self.origin = f"{self.base.scheme}://{self.base.raw_authority}"
        self.base_path = self.base.raw_path.rstrip("/").encode("ascii")
        # Scheme and host compare case-insensitively, the path does not.
        self.upstream_origin = self.origin.lower().encode("ascii")
        self.session: aiohttp.ClientSession | None = None
        # Requests holding a connection; waiting longer than connect_timeout for one is a 503.
        self._slots = asyncio.Semaphore(spec.max_connections)

    async def start(self) -> None:
        spec = self.spec
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=spec.max_connections, limit_per_host=0, force_close=False
            ),
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=spec.connect_timeout, sock_read=spec.read_timeout
            ),
            cookie_jar=aiohttp.DummyCookieJar(),  # each client's cookies are its own
            skip_auto_headers=NOT_ADDED,
            auto_decompress=False,
            trust_env=False,  # the upstream is named in the table, not by proxy variables
            max_line_size=MAX_UPSTREAM_FIELD,
            max_field_size=MAX_UPSTREAM_FIELD,
            max_headers=MAX_UPSTREAM_HEADERS,
        )

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()

    def upstream_target(self, scope: Scope) -> bytes:
        """Base path + the request's path exactly as the client encoded it + query."""
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        target = self.base_path + raw_path
        query = scope.get("query_string", b"")
        return target + b"?" + query if query else target

    def rewrite_location(self, value: bytes, gateway: bytes) -> bytes:
        """An absolute URL under the upstream's base URL as the same URL of the gateway's."""
        origin, path = self.upstream_origin, self.base_path
        if value[: len(origin)].lower() != origin or not value.startswith(path, len(origin)):
            return value
        rest = value[len(origin) + len(path) :]
        if rest[:1] not in (b"", b"/", b"?", b"#"):
            return value  # another port, host or path that merely starts alike
        return gateway + (rest if rest.startswith(b"/") else b"/" + rest)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._relay_websocket(scope, receive, send)
        else:
            await self._proxy_http(scope, receive, send)

    async def _proxy_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._slots.locked():
            try:
                async with asyncio.timeout(self.spec.connect_timeout):
                    await self._slots.acquire()
            except TimeoutError:
                await self._fail(send, 503, f"backend {self.name!r}: too many requests in flight")
                return
        else:
            await self._slots.acquire()
        try:
            await self._exchange(scope, receive, send)
        finally:
            self._slots.release()

    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.session is not None, "backend not started"
        client_channel: ClientChannel | None = scope.get(CLIENT_KEY)
        headers = scope["headers"]
        sent, host = forwarded(scope, headers)
        try:
            response = await self.session.request(
                scope["method"],
                URL(self.origin + self.upstream_target(scope).decode("latin-1"), encoded=True),
                headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in sent],
                data=_request_body(receive) if _has_body(headers) else None,
                allow_redirects=False,
            )
        except ClientGone:
            return
        except TimeoutError:
            logger.warning("backend %r: timed out", self.name)
            await self._fail(send, 504, f"backend {self.name!r} timed out")
            return
        except aiohttp.ClientError as error:
            logger.warning("backend %r: %s: %s", self.name, type(error).__name__, error)
            await self._fail(send, 502, f"backend {self.name!r} is unreachable")
            return
        try:
            answer_headers = end_to_end(response.raw_headers)
            for index, (name, value) in enumerate(answer_headers):
                if name in LOCATIONS:
                    value = self.rewrite_location(value, gateway_address(scope, host))
                    answer_headers[index] = (name, value)
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": answer_headers,
                }
            )
            if response.content.is_eof():  # the whole body has arrived: no stream to watch
                body = await self._read_whole(response)
                await send({"type": "http.response.body", "body": body, "more_body": False})
            else:
                await self._stream_body(response, send, client_channel)
        finally:
            response.release()

    async def _read_whole(self, response: aiohttp.ClientResponse) -> bytes:
        try:
            return await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise UpstreamBroken(
                f"backend {self.name!r} broke off its response: {type(error).__name__}"
            ) from error

    async def _fail(self, send: Send, status: int, message: str) -> None:
        for message_part in json_error(status, message):
            await send(message_part)

    async def _stream_body(
        self, response: aiohttp.ClientResponse, send: Send, client_channel: ClientChannel | None
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

    async def _relay_body(self, response: aiohttp.ClientResponse, send: Send) -> None:
        try:
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (aiohttp.ClientError, TimeoutError) as error:
            raise UpstreamBroken(
                f"backend {self.name!r} broke off its response: {type(error).__name__}"
            ) from error
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _relay_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        scheme = "wss" if self.base.scheme == "https" else "ws"
        url = f"{scheme}://{self.base.raw_authority}" + self.upstream_target(scope).decode(
            "latin-1"
        )
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in forwarded(scope, scope["headers"])[0]
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
