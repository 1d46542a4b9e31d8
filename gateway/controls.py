"""The cutover controls of one gateway process, and their periodic round.

Requests touch the controls only through in-memory structures: the active rollbacks (a
dictionary), the window recorder, the shadow dispatcher and the rate limiter. Everything
that needs the shared store happens in one periodic round (`MVGATE_STATE_INTERVAL`,
default 1 s), off the request path:

1. hand the window tallies and diff data gathered since the last round to the store;
2. read back the rollbacks (and clears, and learnt noise) every process has recorded;
3. judge each route on a non-default backend that saw traffic within its window, and
   record a rollback when its figures call for one (`gateway.rollback`).

So a rollback decided anywhere applies everywhere within one round, and a request never
waits on Redis for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any

from gateway.live_table import CompiledTable, LiveTable, RouteEntry
from gateway.metrics import GatewayMetrics
from gateway.ratelimit import RateLimiter
from gateway.redis_state import RedisState
from gateway.rollback import RollbackEvent, judge, rollback_in_force
from gateway.settings import GatewaySettings
from gateway.shadow import STOP_GRACE, Shadower
from gateway.state import LocalState, SharedState
from gateway.window import Recorder, Tally

logger = logging.getLogger("mvgate.rollback")
state_logger = logging.getLogger("mvgate.state")

ERROR_LOG_EVERY = 60.0


class Controls:
    def __init__(self, live: LiveTable, metrics: GatewayMetrics, settings: GatewaySettings) -> None:
        self.live = live
        self.metrics = metrics
        self.interval = settings.state_interval
        self.state: SharedState = (
            RedisState(settings.redis_url, settings.redis_prefix)
            if settings.redis_url
            else LocalState()
        )
        self.recorder = Recorder()
        self.shadower = Shadower(
            self.state, metrics.shadow_outcome, metrics.shadow_running, self.observe
        )
        self.limiter = RateLimiter(self.state)
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        self._seen: dict[str, float] = {}  # fingerprint -> when this process last saw traffic
        self._gauged: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_error = 0.0
        self.rounds = 0

    # -- the request path --------------------------------------------------------------------

    def observe(self, entry: RouteEntry, backend: str, status: int, seconds: float) -> None:
        """A call to `backend` for `entry` ended (client request or shadow copy)."""
        if entry.watched:
            self.recorder.observe(entry.fingerprint, backend, entry.slot_seconds, status, seconds)

    def active_rollback(self, entry: RouteEntry) -> RollbackEvent | None:
        return rollback_in_force(self.state.rollbacks, entry.label, entry.fingerprint)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._table_changed()
        self.live.listeners.append(lambda result: self._table_changed())
        await self.state.start()
        self._task = asyncio.create_task(self._rounds(), name="cutover controls")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        shadow = self.live.current.spec.shadow
        await self.shadower.close(shadow.timeout + STOP_GRACE)
        with contextlib.suppress(Exception):
            await self.round()  # hand over what this process still holds
        await self.state.close()

    def _table_changed(self) -> None:
        self.state.samples_per_route = self.live.current.spec.shadow.samples

    async def _rounds(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.round()
            except Exception as error:  # the round must go on: Redis may come back
                self._store_failed(error)

    def _store_failed(self, error: Exception) -> None:
        self.metrics.state_errors.inc()
        now = time.monotonic()
        if now - self._last_error > ERROR_LOG_EVERY:
            self._last_error = now
            state_logger.error(
                "cutover controls: shared state (%s) failed: %s: %s; keeping the last known "
                "rollbacks and retrying every %g s",
                self.state.kind,
                type(error).__name__,
                error,
                self.interval,
            )

    # -- the periodic round ----------------------------------------------------------------

    async def round(self) -> None:
        table = self.live.current
        now = time.monotonic()
        tallies = self.recorder.take()
        for fingerprint, _, _, _ in tallies:
            self._seen[fingerprint] = now
        # When the store fails, these tallies are lost (not kept for a retry: an outage
        # must not grow memory); the window fills up again once the store is back.
        await self.state.add_tallies(tallies)
        await self.state.flush()
        before = dict(self.state.rollbacks)
        await self.state.refresh([entry.label for entry in table.routes if entry.shadow_share])
        self._report_learnt(before, table)
        await self.judge_routes(table, now)
        self.limiter.forget_idle()
        self._publish(table)
        self.rounds += 1

    async def judge_routes(self, table: CompiledTable, now: float) -> None:
        live = {entry.fingerprint for entry in table.routes}
        for fingerprint in [f for f in self._seen if f not in live]:
            del self._seen[fingerprint]
        self.state.forget_routes(live)
        for entry in table.routes:
            seen = self._seen.get(entry.fingerprint)
            if not entry.watched or seen is None or now - seen > entry.limits.window:
                continue
            if self.active_rollback(entry) is not None:
                continue  # already on the default backend: nothing to judge until cleared
            served, baseline = await self.window_of(table, entry)
            verdict = judge(entry.limits, served, baseline)
            if verdict is None:
                continue
            event = RollbackEvent(
                route=entry.label,
                path=entry.route.path,
                fingerprint=entry.fingerprint,
                backend=entry.route.backend,
                fallback=table.spec.default,
                reason=verdict.reason,
                figures=verdict.figures,
                at=time.time(),
                by=self.identity,
            )
            if await self.state.declare(event):
                self.metrics.rollbacks.labels(entry.label, verdict.reason).inc()
                logger.warning(
                    "route %s rolled back from %r to %r: %s (%s)",
                    entry.label,
                    event.backend,
                    event.fallback,
                    event.reason,
                    ", ".join(f"{k} {v}" for k, v in event.figures.items()),
                    extra={"fields": {"event": "rollback", **event.as_dict()}},
                )

    async def window_of(self, table: CompiledTable, entry: RouteEntry) -> tuple[Tally, Tally]:
        """The window's figures of the route's backend and of the default backend."""
        seconds = entry.limits.window
        served = await self.state.window(
            entry.label, entry.fingerprint, entry.route.backend, seconds
        )
        baseline = await self.state.window(
            entry.label, entry.fingerprint, table.spec.default, seconds
        )
        return served, baseline

    def _report_learnt(self, before: dict[str, RollbackEvent], table: CompiledTable) -> None:
        """Log rollbacks this process learnt from others (the decider logged the event)."""
        for label, event in self.state.rollbacks.items():
            if label not in before and event.by != self.identity:
                logger.info(
                    "route %s: applying the rollback to %r decided by %s",
                    label,
                    event.fallback,
                    event.by,
                    extra={"fields": {"event": "rollback_applied", "route": label}},
                )

    def _publish(self, table: CompiledTable) -> None:
        active = {entry.label for entry in table.routes if self.active_rollback(entry)}
        for label in self._gauged | active:
            self.metrics.rolled_back.labels(label).set(1 if label in active else 0)
        self._gauged = active | self._gauged

    # -- operator actions --------------------------------------------------------------------

    async def clear(self, path: str | None) -> list[RollbackEvent]:
        """End the rollbacks of the routes of `path` (all routes when None)."""
        table = self.live.current
        if path is None:
            labels = None
        else:
            labels = [entry.label for entry in table.routes if entry.route.path == path]
        ended = await self.state.clear(labels)
        for event in ended:
            logger.warning(
                "route %s: rollback cleared by an operator; back to %r",
                event.route,
                event.backend,
                extra={"fields": {"event": "rollback_cleared", "route": event.route}},
            )
        self._publish(table)
        return ended

    def active(self, table: CompiledTable) -> dict[str, dict[str, Any]]:
        return {
            entry.label: event.as_dict()
            for entry in table.routes
            if (event := self.active_rollback(entry)) is not None
        }
