"""The `downloads` row protocol: an attempt claims its row, proves it still owns it at every
write, and ends it. The legacy app follows the same rules, so either app (and any number of
workers) may queue, cancel or retry a download another one started.

- claim: `queued` -> `downloading`, `attempts` + 1, once (a conditional UPDATE);
- every later write carries `still_mine()`: this row, still `downloading`, still this
  attempt. A cancel (from anywhere), a delete, or a sweep that handed the row to another
  worker makes the write change nothing, and the attempt stops;
- the end: `completed` (with the file), `failed` (with the reason), or back to `queued` (a
  transient failure waiting for its retry, or a worker shutting down).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from new_app.jobs.context import JobServices
from new_app.jobs.events import Event
from shared_models.media import UnsafePathError, confine, safe_filename
from shared_models.models import Download, DownloadStatus, Video, VideoStatus, utcnow

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
# Left on a row whose attempt was stopped by its server shutting down (the API contract).
INTERRUPTED = "Download interrupted (the server stopped); retry it"


@dataclass(frozen=True)
class DownloadAttempt:
    """What a claimed attempt needs, read once from its row."""

    download_id: int
    attempt: int
    video_id: int
    url: str
    priority: int
    target_dir: Path
    stem: str

    def still_mine(self) -> ColumnElement[bool]:
        """The WHERE clause every write of this attempt carries."""
        return (
            (Download.id == self.download_id)
            & (Download.status == DownloadStatus.DOWNLOADING)
            & (Download.attempts == self.attempt)
        )

    def event(self, status: DownloadStatus, progress: float, **fields: Any) -> Event:
        return {
            "type": "download",
            "download_id": self.download_id,
            "video_id": self.video_id,
            "status": str(status),
            "progress": progress,
            "priority": self.priority,
            "attempts": self.attempt,
            "error_message": None,
            "file_path": None,
            "file_size": None,
            **fields,
        }


def clip(reason: str) -> str:
    return reason[:MAX_ERROR_LENGTH]


async def claim(services: JobServices, download_id: int) -> DownloadAttempt | None:
    """queued -> downloading, once; None if the row is gone or not queued (or unusable: then
    it is failed here with the reason)."""
    async with services.session_factory() as db:
        download = await db.get(
            Download, download_id, options=[joinedload(Download.video).joinedload(Video.artist)]
        )
        if download is None or download.status is not DownloadStatus.QUEUED:
            return None
        attempt_number = download.attempts + 1
        now = utcnow()
        claimed = await db.execute(
            update(Download)
            .where(Download.id == download_id, Download.status == DownloadStatus.QUEUED)
            .values(
                status=DownloadStatus.DOWNLOADING,
                attempts=attempt_number,
                progress=0.0,
                error_message=None,
                started_at=now,
                heartbeat_at=now,
                worker_id=services.worker_id,
            )
        )
        await db.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        video, artist = download.video, download.video.artist
        folder = artist.folder_path or safe_filename(artist.name, fallback=f"artist-{artist.id}")
        fields: dict[str, Any] = {
            "download_id": download_id,
            "attempt": attempt_number,
            "video_id": video.id,
            "url": download.url,
            "priority": download.priority,
            "stem": safe_filename(video.title, fallback=f"video-{video.id}"),
        }
    try:
        target_dir = await anyio.to_thread.run_sync(confine, services.media_root, folder)
    except UnsafePathError as error:
        attempt = DownloadAttempt(target_dir=services.media_root, **fields)
        await fail(services, attempt, f"artist folder is unsafe: {error}")
        return None
    return DownloadAttempt(target_dir=target_dir, **fields)


async def write_if_mine(db: AsyncSession, attempt: DownloadAttempt, **values: object) -> bool:
    """One conditional UPDATE of the attempt's row; False (nothing written) once the row
    is no longer this attempt's (cancelled, taken back by a sweep, ...)."""
    result = await db.execute(update(Download).where(attempt.still_mine()).values(**values))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def beat(services: JobServices, attempt: DownloadAttempt, progress: float) -> bool:
    """Progress and heartbeat in one conditional write; False once the row is not ours."""
    async with services.session_factory() as db:
        mine = await write_if_mine(db, attempt, progress=progress, heartbeat_at=utcnow())
        await db.commit()
        return mine


@dataclass(frozen=True)
class Finished:
    relative_path: str
    size: int
    duration: float | None
    height: int | None
    thumbnail_path: str | None


async def complete(services: JobServices, attempt: DownloadAttempt, result: Finished) -> bool:
    """The row `completed` and its video DOWNLOADED, in one transaction; False (nothing
    written) when the row stopped being this attempt's, e.g. cancelled a moment ago."""
    async with services.session_factory() as db:
        finished = await write_if_mine(
            db,
            attempt,
            status=DownloadStatus.COMPLETED,
            progress=100.0,
            file_path=result.relative_path,
            file_size=result.size,
            error_message=None,
            completed_at=utcnow(),
        )
        if not finished:
            await db.rollback()
            return False
        video = await db.get(Video, attempt.video_id)
        if video is not None:
            video.local_path = result.relative_path
            video.duration = result.duration or video.duration
            video.quality = f"{result.height}p" if result.height else video.quality
            video.status = VideoStatus.DOWNLOADED
            if result.thumbnail_path and not video.thumbnail_path:
                video.thumbnail_path = result.thumbnail_path
        await db.commit()
    logger.info(
        "download %s completed: %s (%d bytes)",
        attempt.download_id,
        result.relative_path,
        result.size,
    )
    return True


async def fail(services: JobServices, attempt: DownloadAttempt, reason: str) -> bool:
    """The row `failed` with `reason`, its video FAILED; False if the row was not ours."""
    # Shielded: a shutdown cancelling the job must still leave the row with its reason.
    with anyio.CancelScope(shield=True):
        async with services.session_factory() as db:
            mine = await write_if_mine(
                db,
                attempt,
                status=DownloadStatus.FAILED,
                error_message=clip(reason),
                completed_at=utcnow(),
            )
            if mine:
                logger.warning("download %s failed: %s", attempt.download_id, reason)
                video = await db.get(Video, attempt.video_id)
                if video is not None:
                    video.status = VideoStatus.FAILED
            await db.commit()
    if mine:
        await services.events.publish(
            attempt.event(DownloadStatus.FAILED, 0.0, error_message=clip(reason))
        )
    return mine


async def requeue(services: JobServices, attempt: DownloadAttempt, reason: str | None) -> bool:
    """Back to `queued` for a later attempt (a retry, or another worker); `reason` stays in
    `error_message` meanwhile. False if the row was not ours."""
    with anyio.CancelScope(shield=True):
        async with services.session_factory() as db:
            mine = await write_if_mine(
                db,
                attempt,
                status=DownloadStatus.QUEUED,
                progress=0.0,
                error_message=clip(reason) if reason else None,
                worker_id=None,
            )
            await db.commit()
    if mine:
        await services.events.publish(
            attempt.event(DownloadStatus.QUEUED, 0.0, error_message=reason)
        )
    return mine
