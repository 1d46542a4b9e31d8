"""Jobs run on this process's event loop: a single machine with no Redis (`make run`).

The same job functions as the worker pool, called with a `ctx` of the same shape, at most
MAX_CONCURRENT_JOBS at a time, most urgent first (priority, then first come). arq's `Retry`
is honoured (the job runs again after its delay). Job ids mean what they mean on arq: a job
that is waiting or running is not queued twice; a request to queue it while it runs makes it
run once more afterwards (so a retry right after a cancel is not lost).

Closing the queue (the app stopping) cancels the running jobs: their downloads end `failed`
with the "interrupted" reason, retryable. A queue lives in one process: other processes and
the other app see only the rows.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from arq.worker import Retry

from new_app.jobs.context import SERVICES_KEY, JobServices
from new_app.jobs.functions import JOB_FUNCTIONS
from new_app.jobs.queue import download_job_id
from shared_models.models import DEFAULT_PRIORITY

logger = logging.getLogger(__name__)


@dataclass
class QueuedJob:
    function: str
    args: tuple[Any, ...]
    priority: int
    job_try: int
    ticket: int = 0  # the heap entry that is current (older ones are skipped)
    run_again: bool = False


class InProcessJobQueue:
    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self._services: JobServices | None = None
        self._jobs: dict[str, QueuedJob] = {}
        self._waiting: list[tuple[int, int, str]] = []
        self._running: dict[str, asyncio.Task[None]] = {}
        self._deferred: dict[str, asyncio.TimerHandle] = {}
        self._tickets = itertools.count()
        self._closed = False

    def bind(self, services: JobServices) -> None:
        """The services every job's `ctx` carries (they name this queue: built after it)."""
        self._services = services

    # -- the JobQueue interface -------------------------------------------------------------

    async def enqueue_download(self, download_id: int, priority: int = DEFAULT_PRIORITY) -> None:
        self.submit("download_video", (download_id,), download_job_id(download_id), priority)

    async def enqueue_job(self, function: str, *args: Any, job_id: str) -> None:
        self.submit(function, args, job_id, DEFAULT_PRIORITY)

    async def cancel_download(self, download_id: int) -> None:
        job_id = download_job_id(download_id)
        if job_id not in self._running:
            # Waiting or deferred: drop it (its claim would find the row cancelled anyway).
            self._forget(job_id)

    async def reprioritize_download(self, download_id: int, priority: int) -> None:
        job_id = download_job_id(download_id)
        job = self._jobs.get(job_id)
        if job is None or job_id in self._running:
            return
        job.priority = priority
        if job_id not in self._deferred:
            self._push(job_id, job)

    async def missing(self, job_ids: Iterable[str]) -> list[str]:
        return [job_id for job_id in job_ids if job_id not in self._jobs]

    async def release(self, job_id: str) -> None:
        # Nothing claims a job here but this process's own tasks.
        return None

    async def close(self, grace_seconds: float = 10.0) -> None:
        self._closed = True
        for handle in self._deferred.values():
            handle.cancel()
        self._deferred.clear()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace_seconds)

    # -- scheduling ---------------------------------------------------------------------------

    def submit(
        self, function: str, args: tuple[Any, ...], job_id: str, priority: int, job_try: int = 1,
        defer: float = 0.0,
    ) -> None:  # fmt: skip
        if self._closed:
            return
        existing = self._jobs.get(job_id)
        if existing is not None:
            if job_id in self._running:
                existing.run_again = True
            return
        job = QueuedJob(function, args, priority, job_try)
        self._jobs[job_id] = job
        if defer > 0:
            loop = asyncio.get_running_loop()
            self._deferred[job_id] = loop.call_later(defer, self._ready, job_id)
        else:
            self._push(job_id, job)

    def _ready(self, job_id: str) -> None:
        self._deferred.pop(job_id, None)
        job = self._jobs.get(job_id)
        if job is not None:
            self._push(job_id, job)

    def _push(self, job_id: str, job: QueuedJob) -> None:
        job.ticket = next(self._tickets)
        heapq.heappush(self._waiting, (-job.priority, job.ticket, job_id))
        self._dispatch()

    def _dispatch(self) -> None:
        while len(self._running) < self.concurrency and self._waiting and not self._closed:
            _, ticket, job_id = heapq.heappop(self._waiting)
            job = self._jobs.get(job_id)
            if job is None or job.ticket != ticket or job_id in self._running:
                continue  # dropped, re-prioritized (a newer entry exists) or already running
            self._running[job_id] = asyncio.create_task(self._run(job_id, job), name=job_id)

    def _forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        handle = self._deferred.pop(job_id, None)
        if handle is not None:
            handle.cancel()

    async def _run(self, job_id: str, job: QueuedJob) -> None:
        assert self._services is not None, "bind() the queue to its services first"
        ctx = {SERVICES_KEY: self._services, "job_id": job_id, "job_try": job.job_try}
        retry_in: float | None = None
        try:
            await JOB_FUNCTIONS[job.function](ctx, *job.args)
        except Retry as retry:
            retry_in = (retry.defer_score or 0) / 1000
        except Exception:
            logger.exception("job %s crashed", job_id)
        finally:
            self._running.pop(job_id, None)
            self._jobs.pop(job_id, None)
            if not self._closed:
                if retry_in is not None:
                    self.submit(job.function, job.args, job_id, job.priority, job.job_try + 1,
                                defer=retry_in)  # fmt: skip
                elif job.run_again:
                    self.submit(job.function, job.args, job_id, job.priority)
                self._dispatch()

    @property
    def active(self) -> int:
        """Jobs waiting, deferred or running (for tests and the system report)."""
        return len(self._jobs)
