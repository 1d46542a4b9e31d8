"""A job function's `ctx`, built the way the app builds it for in-process jobs: the real
database engine, httpx client, in-memory events (recorded here) and in-process queue (which
runs any follow-up job for real)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from new_app.jobs.context import SERVICES_KEY, JobServices, this_worker
from new_app.jobs.events import Event, LocalEvents
from new_app.jobs.in_process import InProcessJobQueue
from new_app.jobs.tuning import JobTuning
from new_app.services.http_client import upstream_client
from shared_models.database import async_session_factory, create_async_db_engine
from shared_models.settings import Settings

FAST = JobTuning(
    heartbeat_seconds=0.5,
    stale_seconds=3,
    sweep_seconds=1,
    requeue_grace_seconds=0,
    retry_backoff=0.2,
    max_attempts=3,
)


class RecordedEvents(LocalEvents):
    def __init__(self) -> None:
        super().__init__()
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)
        await super().publish(event)


@contextlib.asynccontextmanager
async def job_context(
    settings: Settings, tuning: JobTuning = FAST, **extra: Any
) -> AsyncIterator[dict[str, Any]]:
    engine = create_async_db_engine(settings.resolved_database_url)
    queue = InProcessJobQueue(settings.max_concurrent_jobs)
    events = RecordedEvents()
    async with upstream_client(settings) as http:
        services = JobServices(
            settings=settings,
            tuning=tuning,
            session_factory=async_session_factory(engine),
            http=http,
            events=events,
            queue=queue,
            worker_id=this_worker(),
            requeue_on_shutdown=False,
        )
        queue.bind(services)
        try:
            yield {SERVICES_KEY: services, "job_try": 1, "events": events, "queue": queue, **extra}
        finally:
            await queue.close()
            await engine.dispose()
