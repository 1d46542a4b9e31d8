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
from dataclasses import dataclass

import anyio.to_thread
import httpx
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from new_app.jobs import InProcessJobQueue, JobQueue
from new_app.jobs.downloads import DownloadContext
from new_app.services.live_transcode import TranscodeSlots
from shared_models.database import async_session_factory, create_async_db_engine
from shared_models.settings import Settings
from web_ui import STATIC_ROOT, TEMPLATES_ROOT, StaticAssets, template_globals

USER_AGENT = "MVidarr/1.0 (music video library manager)"
# Upstream APIs are third-party services: a bounded pool, and a retry only where it is
# always safe (the connection failed, so the request never reached them).
UPSTREAM_CONNECTIONS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
UPSTREAM_CONNECT_RETRIES = 2


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    assets: StaticAssets
    templates: Jinja2Templates
    jobs: JobQueue
    transcodes: TranscodeSlots


def upstream_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout),
        transport=httpx.AsyncHTTPTransport(
            retries=UPSTREAM_CONNECT_RETRIES, limits=UPSTREAM_CONNECTIONS
        ),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


def page_templates(assets: StaticAssets) -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_ROOT)
    templates.env.globals.update(template_globals(assets))
    return templates


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    # Both take tens of milliseconds of CPU the first time (driver imports, the TLS
    # context): built in a thread, so a server starting this app keeps serving meanwhile.
    engine = await anyio.to_thread.run_sync(create_async_db_engine, settings.resolved_database_url)
    client = await anyio.to_thread.run_sync(upstream_client, settings)
    session_factory = async_session_factory(engine)
    jobs = InProcessJobQueue(
        DownloadContext(settings=settings, session_factory=session_factory),
        concurrency=settings.max_concurrent_jobs,
    )
    assets = StaticAssets(STATIC_ROOT)
    async with client as http:
        try:
            yield Runtime(
                settings=settings,
                engine=engine,
                session_factory=session_factory,
                http=http,
                assets=assets,
                templates=page_templates(assets),
                jobs=jobs,
                transcodes=TranscodeSlots(settings.max_concurrent_transcodes),
            )
        finally:
            await jobs.close()
            await engine.dispose()
