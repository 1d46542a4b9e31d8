"""Shadow traffic: a copy of a safe request sent to the other backend, then diffed.

Only GET and HEAD are mirrored (a write must happen once). The copy is made after the
client's response has been sent in full: the primary's answer is captured on its way to
the client (up to `shadow.max_body_bytes`), and a task then calls the other backend with
the same request and compares the two answers (`gateway.comparison`). The client never
waits for any of it.

At most `shadow.max_in_flight` copies run at once per process; a copy that would exceed
that is dropped and counted, never queued, so a slow shadow backend cannot build up work.
For a sample of requests (`shadow.noise_sample`, and always for a route's first
`NOISE_WARMUP` copies) the primary is called a second time alongside the copy, so that the
places where the primary disagrees with itself are learnt as noise.

The copy carries `X-Mvgate-Shadow: shadow` (the second primary call: `primary`) so a
backend can tell it from client traffic.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gateway.asgi import Message, Scope
from gateway.backends import Backend
from gateway.client import CLIENT_KEY
from gateway.comparison import Captured, Comparison, compare
from gateway.live_table import CompiledTable, RouteEntry
from gateway.schema import ShadowSettings
from gateway.state import SharedState

logger = logging.getLogger("mvgate.shadow")

SAFE_METHODS = frozenset({"GET", "HEAD"})
SHADOW_HEADER = b"x-mvgate-shadow"
NOISE_WARMUP = 10
STOP_GRACE = 2.0  # seconds a copy told to stop may take to wind down before it is cancelled
# Bodies up to this size (together) are compared on the event loop: a few hundred
# microseconds of CPU, less than handing them to a thread costs the loop in GIL waits
# (a thread running Python code keeps the GIL for up to 5 ms when the loop wants it).
INLINE_COMPARE_BYTES = 64 * 1024
_NOT_COPIED_HEADERS = (SHADOW_HEADER, b"accept-encoding")


class ResponseCapture:
    """Copies the primary's response as it goes to the client (body up to `limit`)."""

    __slots__ = ("captured", "limit")

    def __init__(self, backend: str, limit: int) -> None:
        self.captured = Captured(backend)
        self.limit = limit

    def feed(self, message: Message) -> None:
        captured = self.captured
        kind = message["type"]
        if kind == "http.response.start":
            captured.status = message["status"]
            headers = message.get("headers", [])
            captured.content_type = _header(headers, b"content-type")
            captured.content_encoding = _header(headers, b"content-encoding")
        elif kind == "http.response.body" and not captured.too_large:
            body = message.get("body", b"")
            if len(captured.body) + len(body) > self.limit:
                captured.too_large = True
                captured.body.clear()  # it will not be compared: free it now
            else:
                captured.body += body
            if not message.get("more_body", False):
                captured.complete = True


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str:
    for name, value in headers:
        if name.lower() == wanted:
            return value.decode("latin-1")
    return ""


def other_backend(entry: RouteEntry, primary: str, default: str) -> str | None:
    """Who gets the copy: the route's backend and the default one shadow each other."""
    if primary == entry.route.backend:
        return default
    if primary == default:
        return entry.route.backend
    return None  # an override sent the request to a third backend


def shadow_scope(scope: Scope, marker: bytes) -> Scope:
    # No Accept-Encoding: nobody reads the copy's body but the comparison, so the backend
    # need not spend CPU compressing it.
    headers = [(name, value) for name, value in scope["headers"] if name not in _NOT_COPIED_HEADERS]
    headers.append((SHADOW_HEADER, marker))
    return {**scope, "headers": headers}


class CopyClient:
    """The copy's stand-in for the client channel (`gateway.client.ClientChannel`, read by
    the backends under `CLIENT_KEY`): "disconnected" once the copy is told to stop. Lighter
    than a real channel: nobody needs to watch a socket."""

    __slots__ = ("_stop",)

    def __init__(self, stop: asyncio.Event) -> None:
        self._stop = stop

    @property
    def disconnected(self) -> bool:
        return self._stop.is_set()

    async def wait_disconnected(self) -> None:
        await self._stop.wait()

    def watch(self) -> None:
        """Nothing to watch."""

    def close(self) -> None:
        """Nothing to close."""


async def call_for_comparison(
    backend: Backend, scope: Scope, limit: int, time_limit: float
) -> Captured:
    """One request to `backend` with an empty body, its answer captured.

    To stop a copy early (its body is too large, or it is too slow), the copy's client
    "disconnects", the way a real client would: a WSGI response then stops between two
    chunks, an ASGI app or the URL proxy sees `http.disconnect`. Cancelling the call
    instead would strand a2wsgi's thread, which waits for the event loop to take each
    chunk; a cancel is only the last resort, after `STOP_GRACE`.
    """
    capture = ResponseCapture(backend.name, limit)
    captured = capture.captured
    stop = asyncio.Event()
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await stop.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        capture.feed(message)
        if captured.too_large or captured.complete:
            stop.set()

    channel = CopyClient(stop)
    call_scope = {**scope, CLIENT_KEY: channel}
    started = time.perf_counter()
    backend.enter()
    call = asyncio.ensure_future(backend(call_scope, receive, send))
    try:
        await asyncio.wait({call}, timeout=time_limit)
        if not call.done():
            captured.error = f"no answer within {time_limit:g} s"
            captured.timed_out = True
            stop.set()
            await asyncio.wait({call}, timeout=STOP_GRACE)
        if not call.done():
            call.cancel()
            await asyncio.wait({call})
        elif not call.cancelled() and call.exception() is not None and captured.error is None:
            error = call.exception()
            captured.error = f"{type(error).__name__}: {error}"
    except asyncio.CancelledError:  # the gateway is stopping
        call.cancel()
        raise
    finally:
        stop.set()
        backend.leave()
    captured.seconds = time.perf_counter() - started
    if not captured.complete and captured.error is None and not captured.too_large:
        captured.error = "the backend ended without a complete response"
    return captured


@dataclass(frozen=True, slots=True)
class ShadowJob:
    """A copy planned when the request arrives, submitted once its answer has been sent."""

    entry: RouteEntry
    scope: Scope  # the request as the primary saw it (before the primary changed it)
    primary: Backend
    other: Backend
    capture: ResponseCapture  # fed with the primary's answer on its way to the client
    settings: ShadowSettings  # the table's, when the request came

    @property
    def answer(self) -> Captured:
        return self.capture.captured


Observer = Callable[[RouteEntry, str, int, float], None]


class Shadower:
    def __init__(
        self,
        state: SharedState,
        outcome_metric: Callable[[str, str], None],
        in_flight_metric: Callable[[int], None],
        observe: Observer | None = None,
    ) -> None:
        self.state = state
        self._outcome_metric = outcome_metric
        self._in_flight_metric = in_flight_metric
        self._observe = observe  # window tallies of the calls made (rollback figures)
        self.in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._noise_checks: dict[str, int] = {}
        # Parsing and walking large bodies is long CPU work: one thread keeps it off the
        # event loop (and bounds it: copies beyond max_in_flight are dropped before that).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mvgate-diff")

    def wanted(self, entry: RouteEntry, method: str) -> bool:
        share = entry.shadow_share
        return share > 0.0 and method in SAFE_METHODS and (share >= 1.0 or random.random() < share)

    def plan(
        self, table: CompiledTable, entry: RouteEntry, primary: Backend, scope: Scope
    ) -> ShadowJob | None:
        """A copy of this request, if the route wants one (called before the primary)."""
        other = other_backend(entry, primary.name, table.spec.default)
        if other is None or not self.wanted(entry, scope["method"]):
            return None
        settings = table.spec.shadow
        capture = ResponseCapture(primary.name, settings.max_body_bytes)
        # The scope is copied now, before the primary adds its own keys to it.
        return ShadowJob(entry, dict(scope), primary, table.backends[other], capture, settings)

    def submit(self, job: ShadowJob) -> None:
        label = job.entry.label
        if job.answer.too_large or not job.answer.complete:
            self._count(label, "skipped")
            return
        if self.in_flight >= job.settings.max_in_flight:
            self._count(label, "dropped")
            return
        self.in_flight += 1
        self._in_flight_metric(self.in_flight)
        task = asyncio.create_task(self._run(job), name=f"shadow {label}")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.in_flight -= 1
        self._in_flight_metric(self.in_flight)
        if not task.cancelled() and task.exception() is not None:
            logger.error("shadow task failed", exc_info=task.exception())

    async def close(self, patience: float) -> None:
        """At shutdown: copies still running may finish within `patience` seconds (their
        own time limit): cancelling a copy to a WSGI backend mid-way would strand a
        thread. Those left after that are cancelled."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=patience)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _noise_check(self, label: str, share: float) -> bool:
        checks = self._noise_checks.get(label, 0)
        if checks < NOISE_WARMUP or random.random() * 100 < share:
            self._noise_checks[label] = checks + 1
            return True
        return False

    async def _run(self, job: ShadowJob) -> None:
        settings = job.settings
        label = job.entry.label
        calls = [
            call_for_comparison(
                job.other,
                shadow_scope(job.scope, b"shadow"),
                settings.max_body_bytes,
                settings.timeout,
            )
        ]
        if self._noise_check(label, settings.noise_sample):
            calls.append(
                call_for_comparison(
                    job.primary,
                    shadow_scope(job.scope, b"primary"),
                    settings.max_body_bytes,
                    settings.timeout,
                )
            )
        answers = await asyncio.gather(*calls)
        shadow, second = answers[0], answers[1] if len(answers) > 1 else None
        if self._observe is not None:
            for answer in answers:
                # As for client requests: a backend that raised counts as a 500, one that
                # ran out of time as a 504 (a copy stopped for its size is neither).
                status = answer.status or 500
                if answer.error is not None:
                    status = 504 if answer.timed_out else 500
                if not answer.too_large:
                    self._observe(job.entry, answer.backend, status, answer.seconds)
        if shadow.error is not None or shadow.too_large:
            self._count(label, "error" if shadow.error is not None else "skipped")
            if shadow.error is not None:
                logger.info("shadow to %r of %s failed: %s", shadow.backend, label, shadow.error)
            return
        arguments = (
            job.answer,
            shadow,
            second,
            job.entry.ignore,
            self.state.noise(label),
            job.scope["method"] != "HEAD",
        )
        size = sum(len(answer.body) for answer in (job.answer, *answers))
        if size <= INLINE_COMPARE_BYTES:
            # On the loop, in steps: a client request arriving meanwhile waits for one
            # step (one body parsed), not for the whole comparison.
            for answer in (job.answer, *answers):
                await asyncio.sleep(0)
                answer.parsed()
            await asyncio.sleep(0)
            comparison = compare(*arguments)
        else:
            loop = asyncio.get_running_loop()
            comparison = await loop.run_in_executor(self._executor, compare, *arguments)
        if comparison.learnt:
            self.state.learn_noise(label, comparison.learnt)
        self._count(label, comparison.outcome)
        if comparison.outcome == "diff" and settings.samples:
            self.state.add_sample(label, self._sample(job, shadow, second, comparison))

    def _sample(
        self, job: ShadowJob, shadow: Captured, second: Captured | None, comparison: Comparison
    ) -> dict[str, object]:
        scope = job.scope
        query = scope.get("query_string", b"").decode("latin-1")
        return {
            "at": time.time(),
            "route": job.entry.label,
            "request": {
                "method": scope["method"],
                "path": scope["path"],
                "query": query,
                "request_id": _request_id(scope),
            },
            "primary": job.answer.summary(),
            "shadow": shadow.summary(),
            "differences": comparison.paths(),
            "noise_checked": second is not None,
        }

    def _count(self, label: str, outcome: str) -> None:
        self.state.count_outcome(label, outcome)
        self._outcome_metric(label, outcome)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("latin-1")
    return ""
