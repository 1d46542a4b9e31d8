"""An event-loop lag probe that runs inside each gateway worker, mounted as one more ASGI
backend of the routing table (`probe: {asgi: "benchmarks.capacity.probe:create_app"}`).

The gateway runs a backend's lifespan on its own event loop, so the sampler started here
measures the loop every request of the gateway shares, without touching `gateway/`: it
sleeps `INTERVAL` seconds and records how late it wakes up. Whatever held the loop (a
handler's CPU work, a blocking call, GIL contention with the WSGI threads) shows as lag.

Samples go to `$MVBENCH_PROBE_DIR/<pid>.csv` (epoch seconds, lag in ms), appended once a
second from a worker thread, so the runner can cut them by step windows for every worker.
`GET /_bench/loop-lag` answers this worker's recent figures for a person looking.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PATH = "/_bench/loop-lag"
INTERVAL = 0.05
FLUSH_EVERY = 1.0
RECENT = 1200  # samples kept for the endpoint: one minute


class LagSampler:
    def __init__(self, out_dir: Path | None) -> None:
        self.out = out_dir / f"{os.getpid()}.csv" if out_dir else None
        self.pending: list[tuple[float, float]] = []
        self.recent: deque[float] = deque(maxlen=RECENT)

    async def run(self) -> None:
        # perf_counter, not loop.time(): uvloop's clock moves in whole milliseconds.
        last_flush = time.perf_counter()
        while True:
            expected = time.perf_counter() + INTERVAL
            await asyncio.sleep(INTERVAL)
            now = time.perf_counter()
            lag_ms = max(0.0, (now - expected) * 1000)
            self.recent.append(lag_ms)
            self.pending.append((time.time(), lag_ms))
            if self.out and now - last_flush >= FLUSH_EVERY:
                last_flush = now
                batch, self.pending = self.pending, []
                await asyncio.to_thread(self._append, batch)

    def _append(self, batch: list[tuple[float, float]]) -> None:
        assert self.out is not None
        with self.out.open("a") as out:
            out.writelines(f"{stamp:.3f},{lag:.3f}\n" for stamp, lag in batch)

    def summary(self) -> dict[str, float | int]:
        samples = sorted(self.recent)
        if not samples:
            return {"pid": os.getpid(), "samples": 0}
        return {
            "pid": os.getpid(),
            "samples": len(samples),
            "p50_ms": statistics.median(samples),
            "p99_ms": samples[min(len(samples) - 1, int(0.99 * len(samples)))],
            "max_ms": samples[-1],
        }


def create_app() -> Starlette:
    out_dir = os.environ.get("MVBENCH_PROBE_DIR")
    sampler = LagSampler(Path(out_dir) if out_dir else None)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(sampler.run())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def loop_lag(_request: Request) -> JSONResponse:
        return JSONResponse(sampler.summary())

    return Starlette(routes=[Route(PATH, loop_lag)], lifespan=lifespan)
