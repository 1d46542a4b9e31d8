"""Simulated network latency and request counting, as one pure ASGI middleware.

Latency is the run's default (`create_app(latency_ms=...)`, `--latency-ms`) unless the
request says `?latency_ms=N`. It is awaited with `asyncio.sleep`, so a slow upstream
never blocks the simulator's event loop, and reported in the `X-Sim-Latency-Ms` response
header so tests can check it without timing anything. `/_sim/*` is neither delayed nor
counted.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from benchmarks.upstreams.state import SimulatorState

LATENCY_HEADER = b"x-sim-latency-ms"


class LatencyError(ValueError):
    pass


def requested_latency_ms(query_string: bytes, default_ms: float) -> float:
    values = parse_qs(query_string.decode("latin-1")).get("latency_ms")
    if not values:
        return default_ms
    try:
        latency = float(values[-1])
    except ValueError:
        raise LatencyError("latency_ms must be a number") from None
    if not 0 <= latency <= 60_000:
        raise LatencyError("latency_ms must be between 0 and 60000")
    return latency


class SimulatedLatency:
    def __init__(self, app: ASGIApp, state: SimulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        try:
            latency_ms = requested_latency_ms(scope["query_string"], self.state.default_latency_ms)
        except LatencyError as problem:
            await self._refuse(send, str(problem))
            return
        if latency_ms > 0:
            await asyncio.sleep(latency_ms / 1000)
        stats = self.state.stats
        stats.latency_applied_ms_total += latency_ms

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The router has filled in the endpoint by the time the response starts.
                endpoint = scope.get("endpoint")
                stats.requests_total += 1
                stats.by_endpoint[getattr(endpoint, "__name__", "not_found")] += 1
                stats.by_status[message["status"]] += 1
                headers = [
                    *message.get("headers", []),
                    (LATENCY_HEADER, f"{latency_ms:g}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)

    async def _refuse(self, send: Send, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
