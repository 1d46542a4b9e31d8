"""The request pipeline: match the route -> decide the backend -> call it -> record.

Each step is a small function so that the cutover controls slot in where they belong:
per-request overrides, rollbacks and canary buckets change `decide`; shadow traffic and
diffs hook in after `call_backend`, off the client's path; rollback statistics read what
`record` writes.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from gateway.access_log import AccessLog
from gateway.asgi import Message, Receive, Scope, Send
from gateway.backends import Backend
from gateway.client import CLIENT_KEY, ClientChannel
from gateway.errors import json_error
from gateway.live_table import CompiledTable, LiveTable, RouteEntry
from gateway.metrics import UNMATCHED, GatewayMetrics

error_logger = logging.getLogger("mvgate.errors")

REQUEST_ID = b"x-request-id"
SERVED_BY = b"x-served-by"
MAX_REQUEST_ID_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Decision:
    backend: Backend
    reason: str  # "route" or "default"


@dataclass(slots=True)
class Exchange:
    """One request on its way through the pipeline: what `record` reports."""

    request_id: str
    method: str
    path: str
    route: RouteEntry | None
    backend: Backend
    reason: str
    started: float
    generation: int
    status: int = 0
    response_started: bool = False
    response_complete: bool = False
    client_disconnected: bool = False
    failed: bool = False


def match_route(table: CompiledTable, scope: Scope) -> RouteEntry | None:
    if scope["type"] == "websocket":
        return table.websocket.match("", scope["path"])
    return table.http.match(scope["method"], scope["path"])


def decide(table: CompiledTable, entry: RouteEntry | None, scope: Scope) -> Decision:
    if entry is None:
        return Decision(table.default, "default")
    return Decision(table.backends[entry.route.backend], "route")


def request_id_of(headers: list[tuple[bytes, bytes]]) -> tuple[str, bool]:
    """The client's X-Request-ID when it is a sane token, else a new one; and whether the
    id is new (then it must be added to the headers the backend sees)."""
    for name, value in headers:
        if name == REQUEST_ID:
            if 0 < len(value) <= MAX_REQUEST_ID_LENGTH and value.isascii():
                text = value.decode("ascii")
                if text.isprintable() and " " not in text:
                    return text, False
            break
    return os.urandom(16).hex(), True


def backend_headers(
    headers: list[tuple[bytes, bytes]], request_id: str, is_new: bool
) -> list[tuple[bytes, bytes]]:
    if not is_new:
        return headers
    kept = [(name, value) for name, value in headers if name != REQUEST_ID]
    kept.append((REQUEST_ID, request_id.encode("ascii")))
    return kept


def response_headers(
    headers: list[tuple[bytes, bytes]], added: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The backend's headers with X-Served-By and X-Request-ID set by the gateway."""
    kept = [(name, value) for name, value in headers if name.lower() not in (SERVED_BY, REQUEST_ID)]
    kept.extend(added)
    return kept


def with_headers(message: Message, added: list[tuple[bytes, bytes]]) -> Message:
    return {**message, "headers": response_headers(message.get("headers", []), added)}


class Dispatcher:
    def __init__(self, live: LiveTable, metrics: GatewayMetrics, access_log: AccessLog) -> None:
        self.live = live
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        table = self.live.current
        entry = match_route(table, scope)
        decision = decide(table, entry, scope)
        request_id, is_new = request_id_of(scope["headers"])
        exchange = Exchange(
            request_id,
            scope.get("method", "WEBSOCKET"),
            scope["path"],
            entry,
            decision.backend,
            decision.reason,
            started,
            table.generation,
        )
        backend_scope = dict(scope)
        backend_scope["headers"] = backend_headers(scope["headers"], request_id, is_new)
        self.metrics.request_started(exchange.backend.name)
        try:
            await self.call_backend(exchange, backend_scope, receive, send)
        finally:  # cancelled requests are counted out too
            self.record(exchange)

    async def call_backend(
        self, exchange: Exchange, scope: Scope, receive: Receive, send: Send
    ) -> None:
        backend = exchange.backend
        added = [(SERVED_BY, backend.name.encode()), (REQUEST_ID, exchange.request_id.encode())]
        is_http = scope["type"] == "http"
        client = ClientChannel(receive) if is_http else None
        if client is not None:
            scope[CLIENT_KEY] = client
        body_chunks = 0

        async def send_to_client(message: Message) -> None:
            nonlocal body_chunks
            kind = message["type"]
            if kind == "http.response.start":
                exchange.status = message["status"]
                exchange.response_started = True
                message = {
                    **message,
                    "headers": response_headers(message.get("headers", []), added),
                }
            elif kind == "http.response.body":
                if message.get("more_body", False):
                    body_chunks += 1
                    if body_chunks == 2 and client is not None:
                        # A stream: notice if the client leaves while it runs.
                        client.watch()
                else:
                    exchange.response_complete = True
            elif kind == "websocket.accept":
                exchange.status = 101
                exchange.response_started = True
                message = {
                    **message,
                    "headers": response_headers(message.get("headers", []), added),
                }
            elif kind == "websocket.close" and not exchange.response_started:
                exchange.status = 403
                exchange.response_complete = True
            await send(message)

        backend.enter()
        try:
            await backend(scope, client.receive if client is not None else receive, send_to_client)
        except Exception:
            exchange.failed = True
            await self._backend_failed(exchange, scope, send_to_client)
        finally:
            if client is not None:
                client.close()
                exchange.client_disconnected = (
                    client.disconnected and not exchange.response_complete
                )
            backend.leave()

    async def _backend_failed(self, exchange: Exchange, scope: Scope, send: Send) -> None:
        backend = exchange.backend.name
        self.metrics.backend_exceptions.labels(backend).inc()
        error_logger.exception(
            "backend %r raised while serving %s %s",
            backend,
            exchange.method,
            exchange.path,
            extra={"fields": {"request_id": exchange.request_id, "backend": backend}},
        )
        if exchange.response_started:
            # Too late for an error page; returning without finishing the response makes
            # the server close the connection, so the client sees a broken response rather
            # than a complete-looking truncated one.
            return
        if scope["type"] == "http":
            for message in json_error(500, "internal error in the backend"):
                await send(message)
        else:
            await send({"type": "websocket.close", "code": 1011})

    def record(self, exchange: Exchange) -> None:
        seconds = time.perf_counter() - exchange.started
        route = exchange.route.label if exchange.route is not None else UNMATCHED
        if exchange.response_started:
            status = exchange.status
        else:  # no answer: the client left first (499, as nginx logs it), or the server's 500
            status = 499 if exchange.client_disconnected else 500
        self.metrics.request_finished(
            route, exchange.method, exchange.backend.name, status, seconds
        )
        if self.access_log.enabled:
            self.access_log.write(
                f"{exchange.method} {exchange.path} {status}",
                {
                    "event": "access",
                    "request_id": exchange.request_id,
                    "method": exchange.method,
                    "path": exchange.path,
                    "route": route,
                    "backend": exchange.backend.name,
                    "reason": exchange.reason,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "table_generation": exchange.generation,
                    "client_disconnected": exchange.client_disconnected,
                    "backend_failed": exchange.failed,
                },
            )
