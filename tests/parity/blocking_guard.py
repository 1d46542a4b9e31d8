"""The blocking guard: which event-loop callbacks of the candidate held its loop longer than
SLOW_CALLBACK_SECONDS, and where.

asyncio's debug mode does the timing: it logs "Executing <callback> took N seconds" for
every callback over `loop.slow_callback_duration`. That is wall-clock time, so on a busy
machine a callback that only *waited* (for a CPU the OS gave to another process, for the
GIL another thread held, for a garbage collection of the whole test process) is reported
like one that blocked. The guard therefore checks each report against two pieces of
evidence gathered by a sampler thread, and counts it only if one of them holds:

- CPU: the loop thread itself computed for longer than the budget (per-thread CPU clock,
  garbage collection time deducted), e.g. a big synchronous computation; or
- one call: the loop thread sat in one and the same call for longer than the budget while
  the sampler ran freely, i.e. it had released the GIL to wait: a blocking call (a
  synchronous socket, time.sleep, a lock, a subprocess wait).

Reports without either are kept in `excused` (shown by the suite's summary, never hidden),
with the reason.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import logging
import re
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The budget of one event-loop callback (asyncio's slow_callback_duration).
SLOW_CALLBACK_SECONDS = 0.02
SAMPLE_INTERVAL = 0.002
CPU_BASELINE_AGE = 0.01
BARRIER_TIMEOUT = 30.0
PROJECT_PREFIX = f"{Path(__file__).resolve().parents[2]}/"
_TOOK = re.compile(r"took (\d+\.\d+) seconds")


class TimedLoop(asyncio.SelectorEventLoop):
    """The standard loop, whose debug mode times every callback (and reports those over
    `slow_callback_duration`) but does not record where each handle, future and task was
    created: that record is a stack walk with an os.stat() per source file, on every
    future, and it alone made a plain health check hold the loop for 100+ ms. Only the
    instrument would be measured. The timing itself, the thread checks and the slow
    select() warnings stay on: they read `_debug`, not `get_debug()`."""

    def get_debug(self) -> bool:
        return False

    def _set_coroutine_origin_tracking(self, enabled: bool) -> None:
        # Also a stack capture, on every coroutine object created.
        pass


@dataclass(frozen=True)
class Sample:
    at: float  # time.time()
    cpu: float  # the loop thread's CPU clock
    where: str | None  # the loop thread's stack, None while it waits for events


class LoopSampler:
    """Every SAMPLE_INTERVAL, the loop thread's CPU clock and its Python stack, kept for a
    few seconds. A blocking call releases the GIL, so the sampler sees the very line that
    blocks; a thread that merely waits for the GIL is not seen at all."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.cpu_clock = time.pthread_getcpuclockid(thread_id)
        self.samples: collections.deque[Sample] = collections.deque(maxlen=4000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loop-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL):
            frame = sys._current_frames().get(self.thread_id)
            if frame is None:
                return
            cpu = time.clock_gettime(self.cpu_clock)
            self.samples.append(Sample(time.time(), cpu, describe_stack(frame)))
            del frame

    def cpu_now(self) -> float:
        return time.clock_gettime(self.cpu_clock)

    def cpu_at(self, moment: float) -> float | None:
        """The loop thread's CPU clock just before `moment`: the last sample before it if
        recent, else the first one after it (a late baseline can only under-count)."""
        samples = list(self.samples)
        before = [sample for sample in samples if sample.at <= moment]
        if before and moment - before[-1].at <= CPU_BASELINE_AGE:
            return before[-1].cpu
        after = [sample for sample in samples if sample.at > moment]
        return after[0].cpu if after else None

    def within(self, start: float, end: float) -> list[Sample]:
        return [sample for sample in list(self.samples) if start <= sample.at <= end]


def longest_call(samples: list[Sample]) -> tuple[float, str | None]:
    """The longest run of consecutive samples showing the same stack: (seconds, stack)."""
    longest: tuple[float, str | None] = (0.0, None)
    run_start: Sample | None = None
    previous: Sample | None = None
    for sample in samples:
        if sample.where is None or previous is None or sample.where != previous.where:
            run_start = sample if sample.where is not None else None
        elif run_start is not None and sample.at - run_start.at > longest[0]:
            longest = (sample.at - run_start.at, sample.where)
        previous = sample
    return longest


def describe_stack(frame: types.FrameType | None) -> str | None:
    """The project's last frames and the innermost frame of a stack; None for a loop
    waiting for events (idle). Reads code objects only: no source files, no stat()."""
    stack: list[tuple[str, int, str]] = []
    while frame is not None:
        stack.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    if not stack:
        return None
    stack.reverse()
    innermost = stack[-1]
    if innermost[2] == "select" and innermost[0].endswith("selectors.py"):
        return None
    ours = [entry for entry in stack if _is_project_file(entry[0])][-4:]
    shown = ours if ours and ours[-1] is innermost else [*ours, innermost]
    return " > ".join(f"{_short(name)}:{line} {function}" for name, line, function in shown)


def _is_project_file(filename: str) -> bool:
    return filename.startswith(PROJECT_PREFIX) and "site-packages" not in filename


def _short(filename: str) -> str:
    if filename.startswith(PROJECT_PREFIX):
        return filename[len(PROJECT_PREFIX) :]
    return "/".join(filename.split("/")[-2:])


class GarbageCollections:
    """When Python's cyclic garbage collector ran (time.time() intervals), from gc.callbacks.

    A collection runs in whichever thread allocates when a threshold trips, holds the GIL,
    and scans the whole process's heap, which here is mostly pytest's, the harness's and
    the legacy app's: not the candidate's doing."""

    def __init__(self) -> None:
        self.pauses: collections.deque[tuple[float, float]] = collections.deque(maxlen=1000)
        self._started: float | None = None

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.time()
        elif self._started is not None:
            self.pauses.append((self._started, time.time()))
            self._started = None

    def seconds_within(self, start: float, end: float) -> float:
        return sum(
            max(0.0, min(end, stopped) - max(start, started))
            for started, stopped in list(self.pauses)
        )

    @contextmanager
    def watching(self) -> Iterator[GarbageCollections]:
        gc.callbacks.append(self)
        try:
            yield self
        finally:
            gc.callbacks.remove(self)


class SlowCallbackGuard(logging.Handler):
    """Collects asyncio's slow-callback reports from the loops it watches, judged as the
    module docstring says. `take()` returns (and forgets) the reports that count."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.loops: dict[int, asyncio.AbstractEventLoop] = {}  # loop thread id -> loop
        self.samplers: dict[int, LoopSampler] = {}
        self.collections = GarbageCollections()
        self.excused: list[str] = []
        self._found: list[str] = []
        self._found_lock = threading.Lock()

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called in the loop's own thread: put it in debug mode and listen to it."""
        loop.set_debug(True)  # on a TimedLoop: the timing, without the stack captures
        loop.slow_callback_duration = SLOW_CALLBACK_SECONDS
        ident = threading.get_ident()
        self.samplers[ident] = LoopSampler(ident)
        self.loops[ident] = loop

    def unwatch(self, loop: asyncio.AbstractEventLoop) -> None:
        for ident in [ident for ident, other in self.loops.items() if other is loop]:
            del self.loops[ident]
            self.samplers.pop(ident).stop()

    def emit(self, record: logging.LogRecord) -> None:
        # Runs in the loop thread, right after the slow callback returned.
        sampler = self.samplers.get(record.thread)
        message = record.getMessage()
        took = _TOOK.search(message)
        if sampler is None or not message.startswith("Executing ") or took is None:
            return
        end = record.created
        start = end - float(took.group(1))
        collecting = self.collections.seconds_within(start, end)
        cpu_before = sampler.cpu_at(start)
        cpu = sampler.cpu_now() - cpu_before if cpu_before is not None else 0.0
        own_cpu = max(0.0, cpu - collecting)
        samples = sampler.within(start, end)
        blocked, blocked_in = longest_call(samples)
        message += (
            f" [{own_cpu * 1000:.0f} ms on the CPU, the longest single call {blocked * 1000:.0f}"
            f" ms, {collecting * 1000:.0f} ms in garbage collection]"
        )
        if own_cpu < SLOW_CALLBACK_SECONDS and blocked < SLOW_CALLBACK_SECONDS:
            self.excused.append(message + " (waited for a CPU, the GIL or a collection)")
            return
        if blocked >= SLOW_CALLBACK_SECONDS:
            message += f"\n        blocked in: {blocked_in}"
        busy = collections.Counter(sample.where for sample in samples if sample.where)
        for where, count in busy.most_common(3):
            message += f"\n        busy in: {where} ({count} of {len(samples)} samples)"
        with self._found_lock:
            self._found.append(message)

    def take(self) -> list[str]:
        """The reports that count, up to now. A callback still running when the client got
        its answer (the answer is written before the callback returns) is waited for:
        asyncio reports a slow callback right after it ends, before it runs the next one,
        so a no-op scheduled now runs only once that report is out."""
        for loop in list(self.loops.values()):
            barrier = threading.Event()
            try:
                loop.call_soon_threadsafe(barrier.set)
            except RuntimeError:  # the loop has closed
                continue
            barrier.wait(BARRIER_TIMEOUT)
        with self._found_lock:
            found, self._found = self._found, []
        return found

    @contextmanager
    def installed(self) -> Iterator[SlowCallbackGuard]:
        """Listen to the asyncio logger (and to garbage collections) while the block runs."""
        logger = logging.getLogger("asyncio")
        previous_level = logger.level
        logger.addHandler(self)
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)
        try:
            with self.collections.watching():
                yield self
        finally:
            logger.removeHandler(self)
            logger.setLevel(previous_level)
