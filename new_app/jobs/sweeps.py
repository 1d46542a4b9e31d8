"""Cron jobs of the worker pool: the sweep that keeps the queue equal to the rows, and the
daily metadata refresh of monitored artists.

The sweep (every JOB_SWEEP_SECONDS, one worker at a time: arq gives each run one job id):

- a `downloading` row whose heartbeat is older than JOB_STALE_SECONDS lost its worker
  (killed, its machine gone): the row goes back to `queued` and its job is released from the
  dead worker's claim in Redis, so the next free worker runs it; after JOB_MAX_ATTEMPTS
  attempts it fails instead (a download that kills its workers must not loop forever);
- a `queued` row unchanged for JOB_REQUEUE_GRACE_SECONDS with no job in Redis (Redis was
  flushed, restarted without persistence, or the enqueue never happened) is enqueued again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from new_app.jobs.context import JobServices, services_of
from new_app.jobs.events import download_event
from new_app.jobs.queue import download_job_id, video_job_id
from shared_models.models import (
    DEFAULT_PRIORITY,
    Artist,
    Download,
    DownloadStatus,
    Video,
    VideoStatus,
    utcnow,
)

logger = logging.getLogger(__name__)

STALE_REQUEUED = "Its worker stopped answering; queued again"
STALE_FAILED = "Its worker stopped answering {attempts} times; giving up"


async def sweep_downloads(ctx: dict[str, Any]) -> str:
    """Cron: requeue downloads whose worker died; enqueue queued rows Redis does not hold."""
    services = services_of(ctx)
    stale = await requeue_stale(services)
    lost = await enqueue_lost(services)
    if stale or lost:
        logger.info("sweep: %d stale downloads requeued, %d lost rows enqueued", stale, lost)
    return f"{stale} stale, {lost} lost"


async def requeue_stale(services: JobServices) -> int:
    cutoff = utcnow() - timedelta(seconds=services.tuning.stale_seconds)
    async with services.session_factory() as db:
        rows = (
            await db.execute(
                select(Download.id, Download.attempts).where(
                    Download.status == DownloadStatus.DOWNLOADING,
                    or_(
                        Download.heartbeat_at < cutoff,
                        Download.heartbeat_at.is_(None) & (Download.updated_at < cutoff),
                    ),
                )
            )
        ).all()
    requeued = 0
    for download_id, attempts in rows:
        if await take_back(services, download_id, attempts, cutoff):
            requeued += 1
    return requeued


async def take_back(services: JobServices, download_id: int, attempts: int, cutoff: Any) -> bool:
    """One stale row back to `queued` (or `failed` past the attempt limit), if it is still
    the stale attempt we saw (its worker may have come back meanwhile)."""
    give_up = attempts >= services.tuning.max_attempts
    values: dict[str, Any] = (
        {
            "status": DownloadStatus.FAILED,
            "error_message": STALE_FAILED.format(attempts=attempts),
            "completed_at": utcnow(),
        }
        if give_up
        else {"status": DownloadStatus.QUEUED, "progress": 0.0, "error_message": STALE_REQUEUED}
    )
    async with services.session_factory() as db:
        taken = await db.execute(
            update(Download)
            .where(
                Download.id == download_id,
                Download.status == DownloadStatus.DOWNLOADING,
                Download.attempts == attempts,
                or_(Download.heartbeat_at < cutoff, Download.heartbeat_at.is_(None)),
            )
            .values(worker_id=None, **values)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            await db.rollback()
            return False
        download = await db.get(Download, download_id)
        if give_up and download is not None:
            video = await db.get(Video, download.video_id)
            if video is not None:
                video.status = VideoStatus.FAILED
        await db.commit()
    if download is not None:
        await services.events.publish(download_event(download))
    if not give_up:
        await services.queue.release(download_job_id(download_id))
        priority = download.priority if download is not None else DEFAULT_PRIORITY
        await services.queue.enqueue_download(download_id, priority)
    return True


async def enqueue_lost(services: JobServices) -> int:
    cutoff = utcnow() - timedelta(seconds=services.tuning.requeue_grace_seconds)
    async with services.session_factory() as db:
        rows = (
            await db.execute(
                select(Download.id, Download.priority).where(
                    Download.status == DownloadStatus.QUEUED, Download.updated_at <= cutoff
                )
            )
        ).all()
    if not rows:
        return 0
    missing = set(await services.queue.missing([download_job_id(row.id) for row in rows]))
    lost = [row for row in rows if download_job_id(row.id) in missing]
    for row in lost:
        await services.queue.enqueue_download(row.id, row.priority)
    return len(lost)


async def refresh_monitored_artists(ctx: dict[str, Any]) -> str:
    """Cron: queue a metadata refresh for the least recently updated videos of monitored
    artists (JOB_METADATA_REFRESH_BATCH a day)."""
    services = services_of(ctx)
    async with services.session_factory() as db:
        video_ids = list(
            await db.scalars(
                select(Video.id)
                .join(Artist, Video.artist_id == Artist.id)
                .where(Artist.monitored.is_(True))
                .order_by(Video.updated_at, Video.id)
                .limit(services.tuning.metadata_refresh_batch)
            )
        )
    for video_id in video_ids:
        await services.queue.enqueue_job(
            "refresh_metadata", video_id, job_id=video_job_id("metadata", video_id)
        )
    return f"{len(video_ids)} videos queued for a metadata refresh"
