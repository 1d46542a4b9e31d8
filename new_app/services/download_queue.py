"""Download rows: finding a video's live download, queueing a new one, and the rules for
which state may move to which. The same rules as the legacy app: either app may act on a
download the other queued."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from new_app.jobs import JobQueue
from shared_models.models import (
    DEFAULT_PRIORITY,
    Artist,
    Download,
    DownloadStatus,
    Video,
    VideoStatus,
)

RETRYABLE = (DownloadStatus.FAILED, DownloadStatus.CANCELLED)
FINISHED = (DownloadStatus.COMPLETED, DownloadStatus.FAILED, DownloadStatus.CANCELLED)


DOWNLOADS = Download.__table__
# What DownloadOut.from_columns reads, as a plain Core select (read-only listings).
DOWNLOAD_OUT_COLUMNS = (
    *DOWNLOADS.c,
    Video.__table__.c.title.label("video_title"),
    Artist.__table__.c.name.label("artist_name"),
)


def download_rows() -> Select[tuple[object, ...]]:
    """Downloads as Core rows with their video's title and artist's name."""
    videos, artists = Video.__table__, Artist.__table__
    return (
        select(*DOWNLOAD_OUT_COLUMNS)
        .join_from(DOWNLOADS, videos, DOWNLOADS.c.video_id == videos.c.id)
        .join(artists, videos.c.artist_id == artists.c.id)
    )


def downloads_with_video() -> Select[tuple[Download]]:
    """Downloads with their video and artist loaded (the JSON names both)."""
    return select(Download).options(joinedload(Download.video).joinedload(Video.artist))


async def active_download(db: AsyncSession, video_id: int) -> Download | None:
    """The video's queued or downloading download, if it has one."""
    return await db.scalar(
        downloads_with_video()
        .where(Download.video_id == video_id, Download.status.in_(DownloadStatus.active()))
        .order_by(Download.id)
        .limit(1)
    )


def job_id_for(download_id: int) -> str:
    return f"download:{download_id}"


async def queue_download(
    db: AsyncSession, video: Video, url: str, priority: int | None
) -> Download:
    """A new `queued` row for `video`, which becomes DOWNLOADING. The caller commits."""
    download = Download(
        video=video,
        url=url,
        status=DownloadStatus.QUEUED,
        priority=priority or DEFAULT_PRIORITY,
        progress=0.0,
        attempts=0,
    )
    db.add(download)
    await db.flush()
    download.job_id = job_id_for(download.id)
    video.status = VideoStatus.DOWNLOADING
    return download


def requeue(download: Download) -> None:
    """A failed or cancelled download back to `queued`, its last outcome forgotten."""
    download.status = DownloadStatus.QUEUED
    download.progress = 0.0
    download.error_message = None
    download.file_path = None
    download.file_size = None
    download.started_at = None
    download.completed_at = None
    download.video.status = VideoStatus.DOWNLOADING


async def stop_downloads_of(db: AsyncSession, jobs: JobQueue, video_ids: Iterable[int]) -> None:
    """Before videos are deleted (their download rows go with them): stop their running
    attempts now rather than at their next progress write."""
    ids = list(video_ids)
    if not ids:
        return
    active = await db.scalars(
        select(Download.id).where(
            Download.video_id.in_(ids), Download.status.in_(DownloadStatus.active())
        )
    )
    for download_id in active:
        await jobs.cancel_download(download_id)
