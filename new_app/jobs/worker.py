"""The arq worker: `mvgate worker` (or `arq new_app.jobs.worker.WorkerSettings`) runs it
against REDIS_URL. Run as many as you like, on as many machines: they share the queue, and
the rows in the shared database say who runs what.

`ctx` is arq's per-worker dict: start-up adds our `JobServices` (database engine, the one
httpx client of the process, the Redis event publisher, the queue for follow-up jobs).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import anyio.to_thread
from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, func

from new_app.jobs.arq_queue import ArqJobQueue
from new_app.jobs.context import SERVICES_KEY, JobServices, services_of, this_worker
from new_app.jobs.events import RedisPublisher
from new_app.jobs.functions import JOB_FUNCTIONS
from new_app.jobs.sweeps import refresh_monitored_artists, sweep_downloads
from new_app.jobs.tuning import JobTuning
from new_app.services.http_client import upstream_client
from shared_models.database import async_session_factory, create_async_db_engine
from shared_models.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# arq's own limit on a job, past the job's own timeout (which ends it cleanly first).
TIMEOUT_MARGIN = 60.0


def redis_settings_from_environment() -> RedisSettings:
    url = get_settings().redis_url
    return RedisSettings.from_dsn(url) if url else RedisSettings()


def job_functions(tuning: JobTuning) -> list[Function]:
    timeouts = {
        "download_video": tuning.download_timeout + tuning.thumbnail_timeout,
        "generate_thumbnails": tuning.thumbnail_timeout,
        "transcode_video": tuning.transcode_timeout,
        "refresh_metadata": tuning.metadata_timeout,
    }
    return [
        # Tries are counted on the rows (downloads) or by the function itself; arq's own
        # count must never end a job first.
        func(function, name=name, timeout=timeouts[name] + TIMEOUT_MARGIN, max_tries=1000)
        for name, function in JOB_FUNCTIONS.items()
    ]


def cron_jobs(tuning: JobTuning) -> list[CronJob]:
    every = set(range(0, 60, tuning.sweep_seconds))
    return [
        cron(sweep_downloads, second=every, run_at_startup=True, timeout=300),
        cron(
            refresh_monitored_artists,
            hour={tuning.metadata_refresh_hour},
            minute={0},
            second={0},
            timeout=300,
        ),
    ]


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = get_settings()
    tuning = await anyio.to_thread.run_sync(JobTuning)  # reads .env: not on the loop
    engine = await anyio.to_thread.run_sync(create_async_db_engine, settings.resolved_database_url)
    http = await anyio.to_thread.run_sync(upstream_client, settings)
    ctx["engine"] = engine
    ctx[SERVICES_KEY] = JobServices(
        settings=settings,
        tuning=tuning,
        session_factory=async_session_factory(engine),
        http=http,
        events=RedisPublisher(ctx["redis"]),
        queue=ArqJobQueue(ctx["redis"]),
        worker_id=this_worker(),
        requeue_on_shutdown=True,
    )
    logger.info("worker %s ready (media root %s)", this_worker(), settings.resolved_media_root)


async def shutdown(ctx: dict[str, Any]) -> None:
    if SERVICES_KEY in ctx:
        await services_of(ctx).http.aclose()
    if "engine" in ctx:
        await ctx["engine"].dispose()


_TUNING = JobTuning()


class WorkerSettings:
    """arq's worker settings (arq reads the class attributes)."""

    functions: ClassVar[list[Function]] = job_functions(_TUNING)
    cron_jobs: ClassVar[list[CronJob]] = cron_jobs(_TUNING)
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings_from_environment()
    max_jobs = _TUNING.worker_max_jobs
    # Results are not kept: a job id must be free again as soon as its job ends.
    keep_result = 0
    # Cancelled (worker shutting down) and Retry-raising jobs run again.
    retry_jobs = True
    poll_delay = 0.5
    health_check_interval = 30
