"""One yt-dlp download attempt, as an async job: claim the row, download, finish the row.

The `downloads` row is the job's state, with the rules the legacy app follows (so either
app may queue, cancel or retry a download the other started): the attempt claims its row
(`queued` -> `downloading`), and every later write is conditional on the row still being
this attempt's `downloading` row. A cancel (from anywhere) is noticed at the next
progress write, never overwritten, and the partial files are removed.

Database work is async; yt-dlp runs in a worker thread, and its progress hook hands each
progress write back to the event loop. Files land at
`<MEDIA_ROOT>/<artist folder>/<sanitized title>.<ext>`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import anyio.to_thread
import yt_dlp
from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload
from yt_dlp.utils import DownloadCancelled, YoutubeDLError

from new_app.services.media_tools import probe_duration
from shared_models.media import UnsafePathError, confine, safe_filename
from shared_models.models import Download, DownloadStatus, Video, VideoStatus, utcnow
from shared_models.settings import Settings
from shared_models.tools import ffmpeg_path

logger = logging.getLogger(__name__)
yt_dlp_logger = logging.getLogger(f"{__name__}.yt_dlp")

# Progress is written at most this often (seconds): enough for a polling UI, light on the DB.
PROGRESS_WRITE_INTERVAL = 0.5
MAX_ERROR_LENGTH = 2000
# The reason left on a row whose attempt was stopped without a cancel (the app shut down).
INTERRUPTED = "Download interrupted (the server stopped); retry it"
PARTIAL_SUFFIXES = ("", ".part", ".ytdl")


@dataclass(frozen=True)
class DownloadContext:
    """What a download attempt needs from the app."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]

    @property
    def media_root(self) -> Path:
        return self.settings.resolved_media_root


@dataclass(frozen=True)
class DownloadJob:
    """What a claimed attempt needs, read once from its row."""

    download_id: int
    attempt: int
    video_id: int
    url: str
    target_dir: Path
    stem: str

    def still_mine(self) -> ColumnElement[bool]:
        """The WHERE clause every write of this attempt carries."""
        return (
            (Download.id == self.download_id)
            & (Download.status == DownloadStatus.DOWNLOADING)
            & (Download.attempts == self.attempt)
        )


async def run_download(context: DownloadContext, download_id: int, cancel: threading.Event) -> None:
    """Run the download's queued row to its end (completed, failed, or left cancelled)."""
    job = await claim(context, download_id)
    if job is None:
        return
    hook = ProgressHook(job, cancel, context)
    try:
        if cancel.is_set():
            raise DownloadCancelled()
        path, info = await anyio.to_thread.run_sync(fetch, context, job, hook)
    except DownloadCancelled:
        logger.info("download %s stopped", job.download_id)
        await anyio.to_thread.run_sync(remove_partial_files, hook.files_touched, job.target_dir)
        # A cancelled (or deleted) row is no longer ours, so this changes nothing; a row
        # still `downloading` was stopped by a shutdown and must not stay so.
        await fail(context, job, INTERRUPTED)
        return
    except (YoutubeDLError, OSError) as error:
        await anyio.to_thread.run_sync(remove_partial_files, hook.files_touched, job.target_dir)
        await fail(context, job, error_reason(error))
        return
    except Exception as error:
        # Anything else (a database error in the progress hook, a yt-dlp bug): the row
        # must still end, with a reason.
        logger.exception("download %s crashed", job.download_id)
        await anyio.to_thread.run_sync(remove_partial_files, hook.files_touched, job.target_dir)
        await fail(context, job, f"unexpected error: {error_reason(error)}")
        return
    await complete(context, job, path, info)


async def claim(context: DownloadContext, download_id: int) -> DownloadJob | None:
    """queued -> downloading, once; None if the row is gone or no longer queued."""
    async with context.session_factory() as db:
        download = await db.get(
            Download, download_id, options=[joinedload(Download.video).joinedload(Video.artist)]
        )
        if download is None or download.status is not DownloadStatus.QUEUED:
            return None
        attempt = download.attempts + 1
        now = utcnow()
        claimed = await db.execute(
            update(Download)
            .where(Download.id == download_id, Download.status == DownloadStatus.QUEUED)
            .values(
                status=DownloadStatus.DOWNLOADING,
                attempts=attempt,
                progress=0.0,
                error_message=None,
                started_at=now,
                heartbeat_at=now,
                worker_id=f"{socket.gethostname()}:{os.getpid()}"[:100],
            )
        )
        await db.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        video, artist = download.video, download.video.artist
        folder = artist.folder_path or safe_filename(artist.name, fallback=f"artist-{artist.id}")
        job_fields: dict[str, Any] = {
            "download_id": download_id,
            "attempt": attempt,
            "video_id": video.id,
            "url": download.url,
            "stem": safe_filename(video.title, fallback=f"video-{video.id}"),
        }
    try:
        target_dir = await anyio.to_thread.run_sync(confine, context.media_root, folder)
    except UnsafePathError as error:
        await fail(
            context,
            DownloadJob(target_dir=context.media_root, **job_fields),
            f"artist folder is unsafe: {error}",
        )
        return None
    return DownloadJob(target_dir=target_dir, **job_fields)


@dataclass
class ProgressHook:
    """yt-dlp progress hook (called in the download thread): records the files yt-dlp
    touches, writes progress through the event loop, aborts when the download was
    cancelled (the flag set here, or the row changed by anyone)."""

    job: DownloadJob
    cancel: threading.Event
    context: DownloadContext
    files_touched: set[Path] = field(default_factory=set)
    last_write: float = 0.0

    def __call__(self, status: dict[str, Any]) -> None:
        if self.cancel.is_set():
            raise DownloadCancelled()
        for key in ("tmpfilename", "filename"):
            if status.get(key):
                self.files_touched.add(Path(status[key]))
        if status.get("status") != "downloading":
            return
        now = time.monotonic()
        if now - self.last_write < PROGRESS_WRITE_INTERVAL:
            return
        self.last_write = now
        still_mine = anyio.from_thread.run(
            write_progress, self.context, self.job, percent_done(status)
        )
        if not still_mine:
            raise DownloadCancelled()


async def write_progress(context: DownloadContext, job: DownloadJob, progress: float) -> bool:
    """False when the row is no longer this attempt's (cancelled elsewhere)."""
    async with context.session_factory() as db:
        result = await db.execute(
            update(Download)
            .where(job.still_mine())
            .values(progress=progress, heartbeat_at=utcnow())
        )
        await db.commit()
        return result.rowcount == 1  # type: ignore[attr-defined]


def percent_done(status: dict[str, Any]) -> float:
    """0-99.9 from yt-dlp's byte counts; 100 is written only when the row completes."""
    total = status.get("total_bytes") or status.get("total_bytes_estimate")
    done = status.get("downloaded_bytes") or 0
    if not total:
        return 0.0
    return round(min(99.9, 100.0 * done / total), 1)


def fetch(context: DownloadContext, job: DownloadJob, hook: ProgressHook) -> tuple[Path, dict]:
    """Run yt-dlp (blocking: called in a worker thread); the file and yt-dlp's info."""
    options = {
        "outtmpl": {"default": outtmpl_literal(str(job.target_dir / job.stem)) + ".%(ext)s"},
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": yt_dlp_logger,
        "progress_hooks": [hook],
        "socket_timeout": 30,
        "retries": 3,
        "cachedir": False,
        "overwrites": True,
        "continuedl": False,
        "ffmpeg_location": ffmpeg_path(context.settings),
    }
    job.target_dir.mkdir(parents=True, exist_ok=True)
    with yt_dlp.YoutubeDL(options) as ydl:  # type: ignore[arg-type]
        info = ydl.extract_info(job.url, download=True) or {}
        path = downloaded_file(info, ydl)
    if hook.cancel.is_set():
        hook.files_touched.add(path)
        raise DownloadCancelled()
    return path, info


def downloaded_file(info: dict[str, Any], ydl: yt_dlp.YoutubeDL) -> Path:
    requested = info.get("requested_downloads") or []
    if requested and requested[0].get("filepath"):
        return Path(requested[0]["filepath"])
    return Path(ydl.prepare_filename(info))


def outtmpl_literal(text: str) -> str:
    """yt-dlp output templates treat `%` as a field marker."""
    return text.replace("%", "%%")


def error_reason(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    return message.removeprefix("ERROR: ")[:MAX_ERROR_LENGTH]


def remove_partial_files(paths: set[Path], target_dir: Path) -> None:
    for path in paths:
        for suffix in PARTIAL_SUFFIXES:
            candidate = path.with_name(path.name + suffix)
            # Only ever delete inside the folder this download writes to.
            if candidate.parent.resolve() == target_dir.resolve():
                candidate.unlink(missing_ok=True)


def stat_inside(media_root: Path, path: Path) -> tuple[Path, int]:
    """The file confined to the media root, and its size (raises when missing/outside)."""
    confined = confine(media_root, path)
    return confined, confined.stat().st_size


async def complete(context: DownloadContext, job: DownloadJob, path: Path, info: dict) -> None:
    media_root = context.media_root
    try:
        path, size = await anyio.to_thread.run_sync(stat_inside, media_root, path)
    except (UnsafePathError, OSError) as error:
        await fail(context, job, f"downloaded file is missing or misplaced: {error}")
        return
    duration = info.get("duration") or await probe_duration(path, context.settings)
    height = info.get("height")
    relative = path.relative_to(media_root).as_posix()
    async with context.session_factory() as db:
        finished = await db.execute(
            update(Download)
            .where(job.still_mine())
            .values(
                status=DownloadStatus.COMPLETED,
                progress=100.0,
                file_path=relative,
                file_size=size,
                error_message=None,
                completed_at=utcnow(),
            )
        )
        if finished.rowcount != 1:  # type: ignore[attr-defined]
            # Cancelled between yt-dlp's last byte and now: honour the cancel.
            await db.rollback()
            await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
            return
        video = await db.get(Video, job.video_id)
        if video is not None:
            video.local_path = relative
            video.duration = float(duration) if duration else video.duration
            video.quality = f"{height}p" if isinstance(height, int) else video.quality
            video.status = VideoStatus.DOWNLOADED
        await db.commit()
    logger.info("download %s completed: %s (%d bytes)", job.download_id, relative, size)


async def fail(context: DownloadContext, job: DownloadJob, reason: str) -> None:
    # Shielded: a shutdown cancelling the task must still leave the row with its reason.
    with anyio.CancelScope(shield=True):
        async with context.session_factory() as db:
            failed = await db.execute(
                update(Download)
                .where(job.still_mine())
                .values(status=DownloadStatus.FAILED, error_message=reason, completed_at=utcnow())
            )
            if failed.rowcount == 1:  # type: ignore[attr-defined]
                logger.warning("download %s failed: %s", job.download_id, reason)
                video = await db.get(Video, job.video_id)
                if video is not None:
                    video.status = VideoStatus.FAILED
            await db.commit()
