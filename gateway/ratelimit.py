"""Rate limiting: a token bucket per client (and per route with a `rate_limit:` of its own).

A bucket holds up to `burst` tokens and gains `rate` per second; a request takes one, and a
request that finds none is answered 429 with `Retry-After` (whole seconds until a token is
back) without reaching a backend.

In one process the buckets live here and the check costs a few arithmetic operations. With
shared state (Redis), the bucket lives in Redis, but a request does not go there each time:
the process *leases* a few tokens at once (a tenth of the burst) and spends them locally,
and after a refusal it remembers until when the client must wait. So Redis sees one call
per lease, and none while a client is being refused; the budget stays exact across
processes, a lease left unspent (at most a tenth of the burst per process) expires after
`LEASE_SECONDS`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from gateway.schema import RateLimit
from gateway.state import SharedState

logger = logging.getLogger("mvgate.ratelimit")

LEASE_SECONDS = 2.0
FORGET_AFTER = 600.0  # seconds without requests after which a client's local entry goes


@dataclass(slots=True)
class Bucket:
    tokens: float
    at: float
    rate: float
    burst: int

    def refilled(self, now: float) -> float:
        return min(float(self.burst), self.tokens + max(0.0, now - self.at) * self.rate)


def retry_after(wait: float) -> int:
    """Retry-After in whole seconds, never 0 (a client told 0 would come straight back)."""
    return max(1, math.ceil(wait))


class RateLimiter:
    def __init__(self, state: SharedState) -> None:
        self.state = state
        self.shared = state.kind != "process"
        self._buckets: dict[str, Bucket] = {}  # in-process buckets, or leases when shared
        self._refused_until: dict[str, float] = {}
        self._last_error = 0.0

    def check(self, key: str, limit: RateLimit) -> float | None:
        """Seconds the client must wait (0: go ahead), or None when only the shared store
        can tell (`check_shared`)."""
        now = time.monotonic()
        if self.shared:
            lease = self._buckets.get(key)
            if lease is not None and lease.tokens >= 1 and now - lease.at < LEASE_SECONDS:
                lease.tokens -= 1
                return 0.0
            until = self._refused_until.get(key)
            if until is not None and now < until:
                return until - now
            return None
        capacity = limit.capacity
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(float(capacity), now, limit.rate, capacity)
        tokens = bucket.refilled(now)
        bucket.rate, bucket.burst, bucket.at = limit.rate, capacity, now
        if tokens >= 1:
            bucket.tokens = tokens - 1
            return 0.0
        bucket.tokens = tokens
        return (1 - tokens) / limit.rate

    async def check_shared(self, key: str, limit: RateLimit) -> float:
        capacity = limit.capacity
        lease_size = max(1, capacity // 10)
        try:
            granted, wait = await self.state.take_tokens(key, limit.rate, capacity, lease_size)
        except Exception as error:  # Redis down: let requests through rather than fail them
            now = time.monotonic()
            if now - self._last_error > 60:
                self._last_error = now
                logger.error("rate limit: shared state unavailable (%s); not limiting", error)
            return 0.0
        now = time.monotonic()
        if granted:
            self._buckets[key] = Bucket(float(granted - 1), now, limit.rate, capacity)
            self._refused_until.pop(key, None)
            return 0.0
        self._refused_until[key] = now + wait
        return wait

    def forget_idle(self) -> None:
        """Drop entries that carry no information any more (called periodically)."""
        now = time.monotonic()
        for key, bucket in list(self._buckets.items()):
            idle = now - bucket.at
            if (
                idle > FORGET_AFTER
                or (self.shared and idle > LEASE_SECONDS)
                or (not self.shared and bucket.refilled(now) >= bucket.burst)
            ):
                del self._buckets[key]
        for key, until in list(self._refused_until.items()):
            if until < now:
                del self._refused_until[key]
