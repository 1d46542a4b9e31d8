"""The cutover controls' state: window tallies, rollbacks, diff counts and samples, learnt
noise, rate-limit buckets.

`LocalState` keeps it in the process: right for one worker, and each worker decides on its
own traffic when there are several. `gateway.redis_state.RedisState` keeps the same things
in Redis (`REDIS_URL`), so that every worker and host agrees.

What requests read on the hot path (`rollbacks`, `noise`) is a plain dictionary here,
refreshed by the controls' periodic task (`refresh`); what requests write (tallies, diff
outcomes, samples, noise) is collected in memory and handed over by `flush`. Only the
rate limiter may wait on the store during a request, and only when its local lease of
tokens runs out (see `gateway.ratelimit`).
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from gateway.rollback import RollbackEvent
from gateway.window import SlotKey, Tally, window_slots

HISTORY = 50  # rollback events kept for status and the dashboard
MAX_NOISE_PATHS = 256  # per route
OUTCOMES = ("match", "noise", "diff", "error", "dropped", "skipped")


@dataclass
class DiffReport:
    """What the shadow diff found for one route."""

    counts: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {outcome: self.counts.get(outcome, 0) for outcome in OUTCOMES},
            "samples": self.samples,
            "noise": self.noise,
        }


class PendingDiffs:
    """Diff outcomes, samples and noise recorded since the last flush."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.samples: dict[str, list[dict[str, Any]]] = {}
        self.noise: dict[str, set[str]] = {}

    def take(self) -> PendingDiffs:
        taken = PendingDiffs()
        taken.counts, self.counts = self.counts, {}
        taken.samples, self.samples = self.samples, {}
        taken.noise, self.noise = self.noise, {}
        return taken


class SharedState:
    """The interface, with everything both stores keep in memory."""

    kind = "process"

    def __init__(self, samples_per_route: int = 20) -> None:
        self.samples_per_route = samples_per_route
        # Read by every request to a route on another backend: label -> active rollback.
        self.rollbacks: dict[str, RollbackEvent] = {}
        # When an operator last cleared each route (its window restarts then).
        self.cleared: dict[str, float] = {}
        self.pending = PendingDiffs()
        self._noise: dict[str, frozenset[str]] = {}

    async def start(self) -> None:
        """Connect (Redis); nothing for the in-process store."""

    async def close(self) -> None:
        """Disconnect."""

    # -- diffs (recorded by shadow tasks, off the request path) ----------------------------

    def count_outcome(self, route: str, outcome: str) -> None:
        self.pending.counts.setdefault(route, Counter())[outcome] += 1

    def add_sample(self, route: str, sample: dict[str, Any]) -> None:
        samples = self.pending.samples.setdefault(route, [])
        samples.append(sample)
        if len(samples) > self.samples_per_route:  # the store is down: keep the latest only
            del samples[0]

    def noise(self, route: str) -> frozenset[str]:
        return self._noise.get(route, frozenset())

    def learn_noise(self, route: str, paths: set[str]) -> None:
        known = self._noise.get(route, frozenset())
        fresh = paths - known
        if fresh and len(known) < MAX_NOISE_PATHS:
            self._noise[route] = known | fresh
            self.pending.noise.setdefault(route, set()).update(fresh)

    # -- the rest differs by store ----------------------------------------------------------

    async def add_tallies(self, tallies: dict[SlotKey, Tally]) -> None:
        raise NotImplementedError

    async def window(self, route: str, fingerprint: str, backend: str, seconds: float) -> Tally:
        raise NotImplementedError

    async def flush(self) -> None:
        raise NotImplementedError

    async def refresh(self, noise_routes: list[str] | None = None) -> None:
        """Read back what other processes recorded: rollbacks, clears, the noise learnt
        on `noise_routes`."""
        raise NotImplementedError

    async def declare(self, event: RollbackEvent) -> bool:
        """Record a rollback; False when another process recorded it first."""
        raise NotImplementedError

    async def clear(self, routes: list[str] | None) -> list[RollbackEvent]:
        """End the rollbacks of these routes (None: all); returns the ones ended."""
        raise NotImplementedError

    async def history(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def diff_report(self, routes: list[str] | None = None) -> dict[str, DiffReport]:
        raise NotImplementedError

    async def take_tokens(
        self, key: str, rate: float, burst: int, wanted: int
    ) -> tuple[int, float]:
        """Take up to `wanted` tokens from the shared bucket `key`; (granted, seconds until
        the next token when none was granted). Only stores shared between processes have
        one: in-process buckets live in `gateway.ratelimit`."""
        raise NotImplementedError

    def forget_routes(self, fingerprints: set[str]) -> None:
        """Drop window figures of routes no longer in the table (edited or removed); the
        shared store lets its keys expire instead."""

    def first_slot_after_clear(self, route: str, seconds_per_slot: float, first: int) -> int:
        cleared = self.cleared.get(route)
        if cleared is None:
            return first
        return max(first, math.ceil(cleared / seconds_per_slot))


class LocalState(SharedState):
    kind = "process"

    def __init__(self, samples_per_route: int = 20) -> None:
        super().__init__(samples_per_route)
        self._slots: dict[tuple[str, str, float], dict[int, Tally]] = {}
        self._history: deque[dict[str, Any]] = deque(maxlen=HISTORY)
        self._counts: dict[str, Counter[str]] = {}
        self._samples: dict[str, deque[dict[str, Any]]] = {}

    async def add_tallies(self, tallies: dict[SlotKey, Tally]) -> None:
        for (fingerprint, backend, length, slot), tally in tallies.items():
            slots = self._slots.setdefault((fingerprint, backend, length), {})
            if slot in slots:
                slots[slot].add(tally)
            else:
                slots[slot] = tally

    def forget_routes(self, fingerprints: set[str]) -> None:
        for key in [key for key in self._slots if key[0] not in fingerprints]:
            del self._slots[key]

    async def window(self, route: str, fingerprint: str, backend: str, seconds: float) -> Tally:
        length, first, last = window_slots(seconds)
        first = self.first_slot_after_clear(route, length, first)
        slots = self._slots.get((fingerprint, backend, length), {})
        for stale in [slot for slot in slots if slot < first - 1]:
            del slots[stale]
        total = Tally()
        for slot, tally in slots.items():
            if first <= slot <= last:
                total.add(tally)
        return total

    async def flush(self) -> None:
        pending = self.pending.take()
        for route, counts in pending.counts.items():
            self._counts.setdefault(route, Counter()).update(counts)
        for route, samples in pending.samples.items():
            kept = self._samples.setdefault(route, deque(maxlen=self.samples_per_route))
            kept.extend(samples)

    async def refresh(self, noise_routes: list[str] | None = None) -> None:
        """Nothing to fetch: this process holds the only copy."""

    async def declare(self, event: RollbackEvent) -> bool:
        current = self.rollbacks.get(event.route)
        if current is not None and current.fingerprint == event.fingerprint:
            return False
        self.rollbacks[event.route] = event
        self._history.appendleft({"event": "rollback", **event.as_dict()})
        return True

    async def clear(self, routes: list[str] | None) -> list[RollbackEvent]:
        now = time.time()
        names = list(self.rollbacks) if routes is None else routes
        ended = [self.rollbacks.pop(name) for name in names if name in self.rollbacks]
        for name in names:
            self.cleared[name] = now
        for event in ended:
            self._history.appendleft({"event": "cleared", "route": event.route, "at": now})
        return ended

    async def history(self) -> list[dict[str, Any]]:
        return list(self._history)

    async def diff_report(self, routes: list[str] | None = None) -> dict[str, DiffReport]:
        names = set(self._counts) | set(self._samples) | set(self._noise)
        if routes is not None:
            names &= set(routes)
        return {
            name: DiffReport(
                dict(self._counts.get(name, {})),
                list(reversed(self._samples.get(name, ()))),
                sorted(self._noise.get(name, ())),
            )
            for name in sorted(names)
        }
