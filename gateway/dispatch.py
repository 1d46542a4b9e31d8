"""The request pipeline: match the route -> (rate limit) -> decide the backend -> call it
-> record -> (shadow copy).

Each step is a small function, and the cutover controls slot in where they belong:

- `decide` applies, in this order: the per-request override (header or cookie), an active
  automatic rollback, the canary bucket of the user, the route's backend;
- a rate-limited client is answered 429 by the gateway before any backend is called;
- `record` feeds the rollback window (requests the table decided, not overrides);
- a shadow copy is handed to `gateway.shadow` once the client's response has been sent.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.access_log import AccessLog
from gateway.admission import RETRY_AFTER_SECONDS
from gateway.asgi import Message, Receive, Scope, Send
from gateway.backends import Backend
from gateway.canary import in_canary
from gateway.client import CLIENT_KEY, ClientChannel
from gateway.controls import Controls
from gateway.errors import json_error
from gateway.live_table import CompiledTable, LiveTable, RouteEntry
from gateway.metrics import UNMATCHED, GatewayMetrics
from gateway.ratelimit import retry_after
from gateway.rollback import RollbackEvent, rollback_in_force
from gateway.schema import RateLimit
from gateway.shadow import ResponseCapture

error_logger = logging.getLogger("mvgate.errors")

REQUEST_ID = b"x-request-id"
SERVED_BY = b"x-served-by"
SET_COOKIE = b"set-cookie"
MAX_REQUEST_ID_LENGTH = 128
NO_ROLLBACKS: Mapping[str, RollbackEvent] = {}

# Why a request went where it went (the access log's `reason`). Requests the table sent
# somewhere feed the rollback window; overrides do not (testers are not users).
ROUTE = "route"  # the route's backend
DEFAULT = "default"  # no route: the default backend
OVERRIDE = "override"  # the request named its backend
ROLLBACK = "rollback"  # the route is rolled back to the default backend
CANARY = "canary"  # the user's bucket is in the route's canary
CANARY_REST = "canary_rest"  # the user's bucket is not: the default backend
RATE_LIMITED = "rate_limited"  # refused by the gateway itself
SHED = "over_capacity"  # the backend's admission bound was full: 503 by the gateway
TABLE_REASONS = frozenset({ROUTE, ROLLBACK, CANARY, CANARY_REST})


@dataclass(frozen=True, slots=True)
class Decision:
    backend: Backend
    reason: str
    set_cookie: bytes | None = None  # the user's new canary cookie


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
    set_cookie: bytes | None = None


def match_route(table: CompiledTable, scope: Scope) -> RouteEntry | None:
    if scope["type"] == "websocket":
        return table.websocket.match("", scope["path"])
    return table.http.match(scope["method"], scope["path"])


def decide(
    table: CompiledTable,
    entry: RouteEntry | None,
    scope: Scope,
    rollbacks: Mapping[str, RollbackEvent] = NO_ROLLBACKS,
) -> Decision:
    """Override > active rollback > canary bucket > route backend (> default)."""
    overrides = table.overrides
    if overrides is not None:
        name = overrides.requested(scope["headers"])
        if name is not None:
            backend = table.backends[name]
            if scope["type"] == "http" or backend.accepts_websockets:
                return Decision(backend, OVERRIDE)
    if entry is None:
        return Decision(table.default, DEFAULT)
    route = entry.route
    if route.backend == table.spec.default:
        return Decision(table.default, ROUTE)
    if rollbacks and rollback_in_force(rollbacks, entry.label, entry.fingerprint):
        return Decision(table.default, ROLLBACK)
    if route.canary is not None and table.users is not None:
        user = table.users.of(scope["headers"], scope.get("scheme") in ("https", "wss"))
        if in_canary(user.key, route.canary):
            return Decision(table.backends[route.backend], CANARY, user.set_cookie)
        return Decision(table.default, CANARY_REST, user.set_cookie)
    return Decision(table.backends[route.backend], ROUTE)


def rate_limit_key(
    table: CompiledTable, entry: RouteEntry | None, limit: RateLimit, scope: Scope
) -> str:
    """The bucket: the route's own (or the table-wide one) x the client."""
    client = None
    if limit.key == "user" and table.users is not None:
        client = table.users.known(scope["headers"])
    if client is None:
        address = scope.get("client")
        client = f"ip:{address[0]}" if address else "ip:?"
    return f"{entry.rate_scope if entry is not None else '*'}|{client}"


class RequestIds:
    """New request ids: 32 hex digits, a random per-process prefix and a counter. Unique
    without a system call per request (`os.urandom` costs one); ids name requests, they
    are not secrets."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked worker gets its own

    def _reset(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count(int.from_bytes(os.urandom(4), "big"))

    def new(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFFFFFF:016x}"


REQUEST_IDS = RequestIds()


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
    return REQUEST_IDS.new(), True


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
    def __init__(
        self, live: LiveTable, metrics: GatewayMetrics, access_log: AccessLog, controls: Controls
    ) -> None:
        self.live = live
        self.metrics = metrics
        self.access_log = access_log
        self.controls = controls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        table = self.live.current
        entry = match_route(table, scope)
        request_id, is_new = request_id_of(scope["headers"])
        limit = entry.rate_limit if entry is not None else table.spec.rate_limit
        if limit is not None and scope["type"] == "http":
            wait = await self.rate_limit_wait(table, entry, limit, scope)
            if wait:
                await self.refuse(scope, send, entry, request_id, started, table, wait)
                return
        decision = decide(table, entry, scope, self.controls.state.rollbacks)
        exchange = Exchange(
            request_id,
            scope.get("method", "WEBSOCKET"),
            scope["path"],
            entry,
            decision.backend,
            decision.reason,
            started,
            table.generation,
            set_cookie=decision.set_cookie,
        )
        backend_scope = dict(scope)
        backend_scope["headers"] = backend_headers(scope["headers"], request_id, is_new)
        shadow = None
        if entry is not None and entry.shadow_share and scope["type"] == "http":
            shadow = self.controls.shadower.plan(table, entry, decision.backend, backend_scope)
        admission = decision.backend.admission if scope["type"] == "http" else None
        if admission is not None and not await admission.enter():
            await self.shed(exchange, send)
            return
        self.metrics.request_started(exchange.backend.name)
        try:
            await self.call_backend(
                exchange, backend_scope, receive, send, shadow.capture if shadow else None
            )
        finally:  # cancelled requests are counted out too
            if admission is not None:
                admission.leave()
            self.record(exchange)
        if shadow is not None and exchange.response_complete and not exchange.failed:
            self.controls.shadower.submit(shadow)

    async def rate_limit_wait(
        self, table: CompiledTable, entry: RouteEntry | None, limit: RateLimit, scope: Scope
    ) -> float:
        key = rate_limit_key(table, entry, limit, scope)
        limiter = self.controls.limiter
        wait = limiter.check(key, limit)
        if wait is None:  # the shared bucket has to say
            wait = await limiter.check_shared(key, limit)
        return wait

    async def refuse(
        self,
        scope: Scope,
        send: Send,
        entry: RouteEntry | None,
        request_id: str,
        started: float,
        table: CompiledTable,
        wait: float,
    ) -> None:
        """429 in the contract's error shape, with Retry-After in whole seconds."""
        seconds = retry_after(wait)
        start, body = json_error(429, f"rate limit exceeded: retry in {seconds} s")
        start["headers"] += [
            (b"retry-after", str(seconds).encode()),
            (SERVED_BY, b"gateway"),
            (REQUEST_ID, request_id.encode()),
        ]
        await send(start)
        await send(body)
        route = entry.label if entry is not None else UNMATCHED
        elapsed = time.perf_counter() - started
        method = scope["method"]
        self.metrics.request_refused(route, method, 429, elapsed)
        if self.access_log.enabled:
            self.access_log.write(
                f"{method} {scope['path']} 429",
                {
                    "event": "access",
                    "request_id": request_id,
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "backend": "gateway",
                    "reason": RATE_LIMITED,
                    "status": 429,
                    "duration_ms": round(elapsed * 1000, 3),
                    "table_generation": table.generation,
                    "client_disconnected": False,
                    "backend_failed": False,
                },
            )

    async def shed(self, exchange: Exchange, send: Send) -> None:
        """503 + Retry-After in the contract's error shape: the backend is at its
        admission bound and no place freed up within its queue timeout."""
        backend = exchange.backend.name
        start, body = json_error(503, f"backend {backend!r} is at capacity: retry later")
        start["headers"] += [
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            (SERVED_BY, b"gateway"),
            (REQUEST_ID, exchange.request_id.encode()),
        ]
        await send(start)
        await send(body)
        exchange.status, exchange.reason = 503, SHED
        exchange.response_started = exchange.response_complete = True
        self.metrics.admission_refused(backend)
        self.metrics.request_started(backend)
        self.record(exchange)

    async def call_backend(
        self,
        exchange: Exchange,
        scope: Scope,
        receive: Receive,
        send: Send,
        capture: ResponseCapture | None = None,
    ) -> None:
        backend = exchange.backend
        added = [(SERVED_BY, backend.name.encode()), (REQUEST_ID, exchange.request_id.encode())]
        if exchange.set_cookie is not None:
            added.append((SET_COOKIE, exchange.set_cookie))
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
            if capture is not None:
                capture.feed(message)
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
        entry = exchange.route
        if entry is not None and entry.watched and exchange.reason in TABLE_REASONS:
            self.controls.observe(entry, exchange.backend.name, status, seconds)
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
