"""Simulated network latency and request counting, as one pure ASGI middleware.

Latency is the run's default (`create_app(latency_ms=...)`, `--latency-ms`) unless the
request says `?latency_ms=N`. With a spread (`create_app(latency_spread_ms=(1000, 10000))`,
`--latency-spread-ms 1000-10000`) every IMVDb/MusicBrainz answer is instead late by an
amount drawn uniformly from the spread but deterministically from the request's subject
(`spread_latency_ms`), so a load generator that knows what it asked for knows exactly how
long the upstream waited (the benchmark's `seed` mix). It is awaited with `asyncio.sleep`,
so a slow upstream never blocks the simulator's event loop, and reported in the
`X-Sim-Latency-Ms` response header so tests can check it without timing anything.
`/_sim/*` is neither delayed nor counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from benchmarks.upstreams.state import SimulatorState

LATENCY_HEADER = b"x-sim-latency-ms"


# The API paths a spread applies to (media downloads keep the default latency).
SPREAD_PREFIXES = ("/imvdb/", "/musicbrainz/")


class LatencyError(ValueError):
    pass


def latency_subject(path: str, query_string: bytes) -> str:
    """What a request is about: its `q` (searches), else its last path segment (an id)."""
    values = parse_qs(query_string.decode("latin-1")).get("q")
    if values:
        return values[0]
    return path.rstrip("/").rsplit("/", 1)[-1]


def spread_latency_ms(subject: str, low_ms: float, high_ms: float) -> float:
    """Uniform in [low_ms, high_ms], the same for the same subject on every run."""
    digest = hashlib.sha256(subject.encode()).digest()
    share = int.from_bytes(digest[:8], "big") / 2**64
    return round(low_ms + (high_ms - low_ms) * share, 3)


def parse_spread(text: str) -> tuple[float, float]:
    """`1000-10000` -> (1000.0, 10000.0)."""
    low, _, high = text.partition("-")
    spread = (float(low), float(high))
    if not 0 <= spread[0] <= spread[1] <= 60_000:
        raise ValueError("the spread must be LOW-HIGH with 0 <= LOW <= HIGH <= 60000")
    return spread


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
            latency_ms = requested_latency_ms(scope["query_string"], self.default_ms(scope))
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

    def default_ms(self, scope: Scope) -> float:
        spread = self.state.latency_spread_ms
        if spread is None or not scope["path"].startswith(SPREAD_PREFIXES):
            return self.state.default_latency_ms
        return spread_latency_ms(latency_subject(scope["path"], scope["query_string"]), *spread)

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
