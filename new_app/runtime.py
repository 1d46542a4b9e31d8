"""What one app instance owns while it runs: settings, the async database engine and its
session factory, the one shared HTTP client, the templates, the job queue and the
live-transcode slots.

The lifespan (main.py) opens a `Runtime` and keeps it on `app.state.runtime`; request code
reaches it through `new_app.deps`. Nothing is module-global, so two apps in one process
(tests, the gateway) never share an engine or a client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
import httpx
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from new_app.errors import render_error_pages
from new_app.idle_ping import create_engine_pinging_idle
from new_app.jobs import JobQueue
from new_app.jobs.arq_queue import ArqJobQueue
from new_app.jobs.context import JobServices, this_worker
from new_app.jobs.events import EventHub, LocalEvents, RedisEvents
from new_app.jobs.in_process import InProcessJobQueue
from new_app.jobs.tuning import JobTuning
from new_app.services.http_client import upstream_client
from new_app.services.live_transcode import ProbeCache, TranscodeSlots
from shared_models.database import async_session_factory
from shared_models.settings import Settings
from shared_models.tools import ffmpeg_path
from web_ui import STATIC_ROOT, TEMPLATES_ROOT, StaticAssets, template_globals


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    assets: StaticAssets
    templates: Jinja2Templates
    jobs: JobQueue
    events: EventHub
    transcodes: TranscodeSlots
    # MEDIA_ROOT resolved once (resolving walks the path on disk: not per request).
    media_root: Path
    error_pages: dict[int, str]  # status -> the HTML error page, rendered at start
    probes: ProbeCache = field(default_factory=ProbeCache)
    _ffmpeg: str | None = None

    async def ffmpeg(self) -> str:
        """The ffmpeg executable, looked up (PATH, on disk) once per process."""
        if self._ffmpeg is None:
            self._ffmpeg = await anyio.to_thread.run_sync(ffmpeg_path, self.settings)
        return self._ffmpeg


def page_templates(assets: StaticAssets) -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_ROOT)
    templates.env.globals.update(template_globals(assets))
    return templates


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    # Both take tens of milliseconds of CPU the first time (driver imports, the TLS
    # context): built in a thread, so a server starting this app keeps serving meanwhile.
    engine = await anyio.to_thread.run_sync(
        create_engine_pinging_idle, settings.resolved_database_url
    )
    client = await anyio.to_thread.run_sync(upstream_client, settings)
    media_root = await anyio.to_thread.run_sync(lambda: settings.resolved_media_root)
    session_factory = async_session_factory(engine)
    assets = StaticAssets(STATIC_ROOT)
    templates = page_templates(assets)
    error_pages = await anyio.to_thread.run_sync(render_error_pages, templates)
    async with client as http:
        jobs, events = await open_jobs(settings, session_factory, http)
        try:
            yield Runtime(
                settings=settings,
                engine=engine,
                session_factory=session_factory,
                http=http,
                assets=assets,
                templates=templates,
                jobs=jobs,
                events=events,
                transcodes=TranscodeSlots(settings.max_concurrent_transcodes),
                media_root=media_root,
                error_pages=error_pages,
            )
        finally:
            await events.close()
            await jobs.close()
            await engine.dispose()


async def open_jobs(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> tuple[JobQueue, EventHub]:
    """With REDIS_URL: the arq queue (workers run the jobs) and the Redis event relay.
    Without: the same jobs run here, their events go from memory to /ws/jobs."""
    if settings.redis_url:
        queue = await ArqJobQueue.connect(settings.redis_url)
        relay = RedisEvents(queue.redis)
        await relay.start()
        return queue, relay
    local = LocalEvents()
    in_process = InProcessJobQueue(settings.max_concurrent_jobs)
    tuning = await anyio.to_thread.run_sync(JobTuning)
    in_process.bind(
        JobServices(
            settings=settings,
            tuning=tuning,
            session_factory=session_factory,
            http=http,
            events=local,
            queue=in_process,
            worker_id=this_worker(),
            requeue_on_shutdown=False,
        )
    )
    return in_process, local
