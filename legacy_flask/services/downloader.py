"""yt-dlp downloads the legacy way: one thread per download, inside the web process.

The `downloads` row is the job's state. A thread claims its row (`queued` -> `downloading`),
runs yt-dlp, writes progress into the row from yt-dlp's progress hook, and finishes the row
(`completed` with the file's path and size, or `failed` with the reason). Every write after
the claim is conditional on the row still being this attempt's `downloading` row, so a
cancel (from this process, another worker or the other app) is noticed at the next progress
write and never overwritten; the hook then aborts yt-dlp and the partial files are removed.

Files land at `<MEDIA_ROOT>/<artist folder>/<sanitized title>.<ext>`.
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

import yt_dlp
from sqlalchemy import update
from sqlalchemy.orm import Session, joinedload, sessionmaker
from yt_dlp.utils import DownloadCancelled, YoutubeDLError

from legacy_flask.services.url_safety import guarded_connections, refusal
from shared_models.media import UnsafePathError, confine, safe_filename
from shared_models.models import Download, DownloadStatus, Video, VideoStatus, utcnow
from shared_models.settings import Settings
from shared_models.tools import ffmpeg_path, probe_duration

logger = logging.getLogger(__name__)
yt_dlp_logger = logging.getLogger(f"{__name__}.yt_dlp")

# Progress is written at most this often (seconds): enough for a polling UI, light on the DB.
PROGRESS_WRITE_INTERVAL = 0.5
# How often a thread waiting for a free slot looks at its cancel flag (seconds).
SLOT_POLL_INTERVAL = 0.2
# A retry waits this long for the previous attempt's thread to finish its clean-up.
PREVIOUS_ATTEMPT_GRACE = 15.0
MAX_ERROR_LENGTH = 2000
# The reason left on a row whose thread was stopped without a cancel (the app shut down).
INTERRUPTED = "Download interrupted (the server stopped); retry it"
PARTIAL_SUFFIXES = ("", ".part", ".ytdl")


@dataclass(frozen=True)
class DownloadJob:
    """What a claimed attempt needs, read once from its row."""

    download_id: int
    attempt: int
    video_id: int
    url: str
    target_dir: Path
    stem: str

    def still_mine(self) -> Any:
        """The WHERE clause every write of this attempt carries."""
        return (
            (Download.id == self.download_id)
            & (Download.status == DownloadStatus.DOWNLOADING)
            & (Download.attempts == self.attempt)
        )


@dataclass
class ProgressHook:
    """yt-dlp progress hook: records the files yt-dlp touches, writes progress, aborts when
    the download was cancelled (flag set here, or the row changed by anyone)."""

    job: DownloadJob
    cancel_event: threading.Event
    session_factory: sessionmaker[Session]
    files_touched: set[Path] = field(default_factory=set)
    last_write: float = 0.0

    def __call__(self, status: dict[str, Any]) -> None:
        if self.cancel_event.is_set():
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
        if not self.write_progress(percent_done(status)):
            raise DownloadCancelled()

    def write_progress(self, progress: float) -> bool:
        """False when the row is no longer this attempt's (cancelled elsewhere)."""
        with self.session_factory() as db:
            result = db.execute(
                update(Download)
                .where(self.job.still_mine())
                .values(progress=progress, heartbeat_at=utcnow())
            )
            db.commit()
            return result.rowcount == 1


def percent_done(status: dict[str, Any]) -> float:
    """0-99.9 from yt-dlp's byte counts; 100 is written only when the row completes."""
    total = status.get("total_bytes") or status.get("total_bytes_estimate")
    done = status.get("downloaded_bytes") or 0
    if not total:
        return 0.0
    return round(min(99.9, 100.0 * done / total), 1)


def error_reason(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    return message.removeprefix("ERROR: ")[:MAX_ERROR_LENGTH]


def outtmpl_literal(text: str) -> str:
    """yt-dlp output templates treat `%` as a field marker."""
    return text.replace("%", "%%")


def remove_partial_files(paths: set[Path], target_dir: Path) -> None:
    for path in paths:
        for suffix in PARTIAL_SUFFIXES:
            candidate = path.with_name(path.name + suffix)
            # Only ever delete inside the folder this download writes to.
            if candidate.parent.resolve() == target_dir.resolve():
                candidate.unlink(missing_ok=True)


def downloaded_file(info: dict[str, Any], ydl: yt_dlp.YoutubeDL) -> Path:
    requested = info.get("requested_downloads") or []
    if requested and requested[0].get("filepath"):
        return Path(requested[0]["filepath"])
    return Path(ydl.prepare_filename(info))


class DownloadRunner:
    """Starts, cancels and waits for download threads of one app."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.media_root = settings.resolved_media_root
        self._slots = threading.BoundedSemaphore(max(1, settings.max_concurrent_jobs))
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._cancel_events: dict[int, threading.Event] = {}

    # -- control (called from request threads) ------------------------------------------

    def start(self, download_id: int) -> None:
        """Run the download's queued row in a new thread."""
        with self._lock:
            previous = self._threads.get(download_id)
        if previous is not None:
            # A retry right after a cancel: let the old attempt remove its files first.
            previous.join(PREVIOUS_ATTEMPT_GRACE)
        cancel_event = threading.Event()
        thread = threading.Thread(
            target=self._run,
            args=(download_id, cancel_event),
            name=f"download-{download_id}",
            daemon=True,
        )
        with self._lock:
            self._threads[download_id] = thread
            self._cancel_events[download_id] = cancel_event
        thread.start()

    def cancel(self, download_id: int) -> None:
        """Ask a running attempt to stop (its row is already marked by the caller)."""
        with self._lock:
            event = self._cancel_events.get(download_id)
        if event is not None:
            event.set()

    def wait(self, timeout: float) -> bool:
        """Wait for every thread to finish; True if they all did in time."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)

    def shutdown(self, timeout: float) -> bool:
        with self._lock:
            events = list(self._cancel_events.values())
        for event in events:
            event.set()
        return self.wait(timeout)

    # -- the thread ------------------------------------------------------------------

    def _run(self, download_id: int, cancel_event: threading.Event) -> None:
        try:
            while not self._slots.acquire(timeout=SLOT_POLL_INTERVAL):
                if cancel_event.is_set():
                    return
            try:
                job = self._claim(download_id)
                if job is not None:
                    self._execute(job, cancel_event)
            finally:
                self._slots.release()
        except Exception:
            logger.exception("download %s crashed", download_id)
        finally:
            with self._lock:
                if self._threads.get(download_id) is threading.current_thread():
                    del self._threads[download_id]
                    del self._cancel_events[download_id]

    def _claim(self, download_id: int) -> DownloadJob | None:
        """queued -> downloading, once; None if the row is gone or no longer queued."""
        with self.session_factory() as db:
            download = db.get(
                Download, download_id, options=[joinedload(Download.video).joinedload(Video.artist)]
            )
            if download is None or download.status is not DownloadStatus.QUEUED:
                return None
            attempt = download.attempts + 1
            now = utcnow()
            claimed = db.execute(
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
            db.commit()
            if claimed.rowcount != 1:
                return None
            video = download.video
            job_fields = {
                "download_id": download_id,
                "attempt": attempt,
                "video_id": video.id,
                "url": download.url,
                "stem": safe_filename(video.title, fallback=f"video-{video.id}"),
            }
            artist = video.artist
            folder = artist.folder_path or safe_filename(
                artist.name, fallback=f"artist-{artist.id}"
            )
        try:
            target_dir = confine(self.media_root, folder)
        except UnsafePathError as error:
            job = DownloadJob(target_dir=self.media_root, **job_fields)
            self._fail(job, f"artist folder is unsafe: {error}")
            return None
        return DownloadJob(target_dir=target_dir, **job_fields)

    def _execute(self, job: DownloadJob, cancel_event: threading.Event) -> None:
        hook = ProgressHook(job, cancel_event, self.session_factory)
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
            "ffmpeg_location": ffmpeg_path(self.settings),
            # yt-dlp's own HLS downloader, not ffmpeg's: its connections are checked
            # (guarded_connections); ffmpeg would open its own.
            "hls_prefer_native": True,
        }
        guard = not self.settings.allow_private_download_hosts
        try:
            if cancel_event.is_set():
                raise DownloadCancelled()
            job.target_dir.mkdir(parents=True, exist_ok=True)
            with guarded_connections(guard), yt_dlp.YoutubeDL(options) as ydl:
                info = ydl.extract_info(job.url, download=True)
                path = downloaded_file(info or {}, ydl)
            if cancel_event.is_set():
                hook.files_touched.add(path)
                raise DownloadCancelled()
        except DownloadCancelled:
            logger.info("download %s stopped", job.download_id)
            remove_partial_files(hook.files_touched, job.target_dir)
            # A cancelled (or deleted) row is no longer ours, so this changes nothing;
            # a row still `downloading` was stopped by a shutdown and must not stay so.
            self._fail(job, INTERRUPTED)
            return
        except (YoutubeDLError, OSError) as error:
            remove_partial_files(hook.files_touched, job.target_dir)
            self._fail(job, (guard and refusal()) or error_reason(error))
            return
        except Exception as error:
            # Anything else (a database error in the progress hook, a yt-dlp bug): the row
            # must still end, with a reason.
            logger.exception("download %s crashed", job.download_id)
            remove_partial_files(hook.files_touched, job.target_dir)
            self._fail(job, f"unexpected error: {error_reason(error)}")
            return
        self._complete(job, path, info or {})

    def _complete(self, job: DownloadJob, path: Path, info: dict[str, Any]) -> None:
        try:
            path = confine(self.media_root, path)
            size = path.stat().st_size
        except (UnsafePathError, OSError) as error:
            self._fail(job, f"downloaded file is missing or misplaced: {error}")
            return
        duration = info.get("duration") or probe_duration(path, self.settings)
        height = info.get("height")
        relative = path.relative_to(self.media_root).as_posix()
        with self.session_factory() as db:
            finished = db.execute(
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
            if finished.rowcount != 1:
                # Cancelled between yt-dlp's last byte and now: honour the cancel.
                db.rollback()
                path.unlink(missing_ok=True)
                return
            video = db.get(Video, job.video_id)
            if video is not None:
                video.local_path = relative
                video.duration = float(duration) if duration else video.duration
                video.quality = f"{height}p" if isinstance(height, int) else video.quality
                video.status = VideoStatus.DOWNLOADED
            db.commit()
        logger.info("download %s completed: %s (%d bytes)", job.download_id, relative, size)

    def _fail(self, job: DownloadJob, reason: str) -> None:
        with self.session_factory() as db:
            failed = db.execute(
                update(Download)
                .where(job.still_mine())
                .values(status=DownloadStatus.FAILED, error_message=reason, completed_at=utcnow())
            )
            if failed.rowcount == 1:
                logger.warning("download %s failed: %s", job.download_id, reason)
                video = db.get(Video, job.video_id)
                if video is not None:
                    video.status = VideoStatus.FAILED
            db.commit()
