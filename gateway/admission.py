"""The per-backend admission bound: an in-flight limit with a short queue.

A backend past its capacity slows every request it has; bounding what it admits keeps the
admitted ones fast and answers the rest at once with 503 + Retry-After, which a client (or
a load balancer) can act on. The table sets it per backend (`max_in_flight`,
`queue_timeout`); without `max_in_flight` a backend admits everything, as before.
"""

from __future__ import annotations

import asyncio

# Retry-After of a refused request, in whole seconds (RFC 9110 10.2.3).
RETRY_AFTER_SECONDS = 1


class Admission:
    def __init__(self, limit: int, queue_seconds: float) -> None:
        self.limit = limit
        self.queue_seconds = queue_seconds
        self._places = asyncio.Semaphore(limit)

    async def enter(self) -> bool:
        """Take a place (waiting at most `queue_seconds` for one); False when none came."""
        if not self._places.locked():
            await self._places.acquire()
            return True
        if self.queue_seconds <= 0:
            return False
        try:
            async with asyncio.timeout(self.queue_seconds):
                await self._places.acquire()
        except TimeoutError:
            return False
        return True

    def leave(self) -> None:
        self._places.release()
