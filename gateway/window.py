"""Sliding-window traffic figures per (route, backend), for automatic rollback.

Time is cut into slots (a tenth of the route's window, at least one second, counted from
the epoch so that every process and host agrees on slot numbers); each slot holds a
`Tally`: requests, 5xx answers, and a latency histogram with log-spaced buckets. A window is
the sum of its slots; its p95 comes from the summed histogram.

Requests are tallied in memory on the hot path (`Recorder.observe`: a few dictionary
operations, no I/O); the controls' periodic task hands the pending tallies to the state
store, which keeps them per process or adds them up in Redis for every gateway.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass, field

# Upper bounds of the latency buckets, in seconds: 0.5 ms to ~2 min, each 1.5x the previous
# (a p95 read from them is within about 25%; rollback thresholds are factors like 3x).
LATENCY_BOUNDS: tuple[float, ...] = tuple(0.0005 * 1.5**step for step in range(31))
BUCKETS = len(LATENCY_BOUNDS) + 1  # the last one is "slower than every bound"
SLOTS_PER_WINDOW = 10


def slot_seconds(window: float) -> float:
    return max(1.0, window / SLOTS_PER_WINDOW)


@dataclass(slots=True)
class Tally:
    requests: int = 0
    errors: int = 0  # 5xx
    buckets: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    def observe(self, status: int, seconds: float) -> None:
        self.requests += 1
        if status >= 500:
            self.errors += 1
        self.buckets[bisect_left(LATENCY_BOUNDS, seconds)] += 1

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.errors += other.errors
        for index, count in enumerate(other.buckets):
            if count:
                self.buckets[index] += count

    @property
    def error_share(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def quantile(self, share: float) -> float | None:
        """Seconds below which `share` of the requests finished (linear inside a bucket)."""
        total = sum(self.buckets)
        if not total:
            return None
        rank = share * total
        seen = 0
        for index, count in enumerate(self.buckets):
            if count and seen + count >= rank:
                lower = LATENCY_BOUNDS[index - 1] if index else 0.0
                upper = LATENCY_BOUNDS[index] if index < len(LATENCY_BOUNDS) else lower * 1.5
                return lower + (upper - lower) * ((rank - seen) / count)
            seen += count
        return LATENCY_BOUNDS[-1]

    @property
    def p95_ms(self) -> float | None:
        seconds = self.quantile(0.95)
        return None if seconds is None else round(seconds * 1000, 3)

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "error_percent": round(self.error_share * 100, 2),
            "p95_ms": self.p95_ms,
        }


# (route fingerprint, backend, slot length, slot number): a fingerprint changes when the
# route is edited, so an edited route starts a fresh window.
SlotKey = tuple[str, str, float, int]


class Recorder:
    """Tallies of the requests since the last flush."""

    def __init__(self) -> None:
        self.pending: dict[SlotKey, Tally] = {}

    def observe(
        self, fingerprint: str, backend: str, seconds_per_slot: float, status: int, seconds: float
    ) -> None:
        key = (fingerprint, backend, seconds_per_slot, int(time.time() // seconds_per_slot))
        tally = self.pending.get(key)
        if tally is None:
            tally = self.pending[key] = Tally()
        tally.observe(status, seconds)

    def take(self) -> dict[SlotKey, Tally]:
        pending, self.pending = self.pending, {}
        return pending


def window_slots(window: float, now: float | None = None) -> tuple[float, int, int]:
    """(slot length, first slot, last slot) of the window ending now."""
    length = slot_seconds(window)
    last = int((time.time() if now is None else now) // length)
    return length, last - max(1, round(window / length)) + 1, last
