"""download_video: one queued download row run to its end by yt-dlp.

An attempt claims the row (new_app.jobs.rows), runs yt-dlp in a child process (fetcher.py)
into a staging folder of its own under MEDIA_ROOT/.incoming, and meanwhile watches its row:
every half second it writes the progress (and, at least every JOB_HEARTBEAT_SECONDS, a
heartbeat) with a write that only succeeds while the row is still this attempt's. When the
write finds the row cancelled (by this app, the legacy app or another process) or handed to
another worker, the child is killed and the staging folder removed.

A finished file is checked (ffprobe must find a duration: a web page or an error body is
not a video), moved to `<MEDIA_ROOT>/<artist folder>/<sanitized title>.<ext>`, given
thumbnails, and the row completed, in that order: when the row says `completed`, the file
and its thumbnails are there.

Failures: transient ones (network, timeouts, upstream 5xx) put the row back to `queued` with
the reason and raise arq's `Retry` with an exponential backoff, until JOB_MAX_ATTEMPTS;
permanent ones (unsupported URL, 4xx, refused host, not a video) fail the row at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import anyio.to_thread
from arq.worker import Retry

from new_app.jobs.child_process import ChildProcess
from new_app.jobs.context import JobServices, services_of
from new_app.jobs.events import video_job_event
from new_app.jobs.queue import video_job_id
from new_app.jobs.rows import (
    INTERRUPTED,
    DownloadAttempt,
    Finished,
    beat,
    claim,
    complete,
    fail,
    requeue,
)
from new_app.jobs.thumbnails import make_thumbnails, read_picture
from new_app.services.media_tools import probe_duration
from new_app.services.thumbnails import ThumbnailError
from new_app.services.url_safety import UnsafeUrlError, check_fetchable_url
from shared_models.media import UnsafePathError, confine
from shared_models.models import DownloadStatus
from shared_models.tools import ffmpeg_path

logger = logging.getLogger(__name__)

FETCHER = Path(__file__).with_name("fetcher.py")
# How often an attempt looks at its row (and writes its progress when it moved).
TICK_SECONDS = 0.5
# Browsers play these as they are; others are streamed through a live ffmpeg (or, with
# JOB_TRANSCODE_DOWNLOADS, converted once after the download).
STREAMABLE_SUFFIXES = frozenset({".mp4", ".m4v", ".webm"})
SHUTDOWN_REQUEUED = "Its worker stopped before it finished; queued again"


class AttemptLost(Exception):
    """The row is no longer this attempt's (cancelled, deleted, or handed to another)."""


class FetchFailed(Exception):
    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Fetched:
    path: Path
    duration: float | None
    height: int | None


class Progress:
    """The latest byte counts the child reported, as 0-99.9 (100 only once completed)."""

    def __init__(self) -> None:
        self.percent = 0.0

    def update(self, downloaded: int, total: int | None) -> None:
        if total:
            self.percent = round(min(99.9, 100.0 * downloaded / total), 1)


async def download_video(ctx: dict[str, Any], download_id: int) -> str:
    """Job: run the queued download row `download_id` to its end.

    Loops while the row is queued again when an attempt ends (a retry requested while the
    previous attempt was still cleaning up finds this job still running)."""
    services = services_of(ctx)
    outcome = "not queued"
    while (attempt := await claim(services, download_id)) is not None:
        outcome = await run_attempt(services, attempt)
    return outcome


def staging_dir(services: JobServices, attempt: DownloadAttempt) -> Path:
    return services.staging_root / f"download-{attempt.download_id}-{attempt.attempt}"


async def run_attempt(services: JobServices, attempt: DownloadAttempt) -> str:
    staging = staging_dir(services, attempt)
    await anyio.to_thread.run_sync(remove_earlier_attempts, services.staging_root, staging)
    await services.events.publish(attempt.event(DownloadStatus.DOWNLOADING, 0.0))
    try:
        try:
            await check_fetchable_url(
                attempt.url, allow_private_hosts=services.settings.allow_private_download_hosts
            )
        except UnsafeUrlError as error:
            # The API refuses these; a row written some other way is refused here.
            raise FetchFailed(str(error), transient=False) from None
        fetched = await fetch(services, attempt, staging)
        return await finish(services, attempt, fetched)
    except AttemptLost:
        logger.info("download %s: the row changed hands; attempt stopped", attempt.download_id)
        return "stopped"
    except FetchFailed as failure:
        return await after_failure(services, attempt, failure)
    except asyncio.CancelledError:
        # The runner is shutting down.
        if services.requeue_on_shutdown:
            await requeue(services, attempt, SHUTDOWN_REQUEUED)
        else:
            await fail(services, attempt, INTERRUPTED)
        raise
    except Retry:
        raise
    except Exception as error:
        # A bug, the database gone mid-way, the child not starting: the row must still end,
        # with a reason, rather than wait for the sweep.
        logger.exception("download %s crashed", attempt.download_id)
        await fail(services, attempt, f"unexpected error: {error!r}")
        return "failed"
    finally:
        await anyio.to_thread.run_sync(remove_tree, services.staging_root, staging)


async def after_failure(
    services: JobServices, attempt: DownloadAttempt, failure: FetchFailed
) -> str:
    tuning = services.tuning
    if failure.transient and attempt.attempt < tuning.max_attempts:
        delay = tuning.backoff(attempt.attempt)
        reason = (
            f"Attempt {attempt.attempt} of {tuning.max_attempts} failed, retrying in "
            f"{delay:g} s: {failure.reason}"
        )
        if await requeue(services, attempt, reason):
            logger.info("download %s: %s", attempt.download_id, reason)
            raise Retry(defer=delay)
        return "stopped"
    await fail(services, attempt, failure.reason)
    return "failed"


async def fetch(services: JobServices, attempt: DownloadAttempt, staging: Path) -> Fetched:
    """yt-dlp in a child process, while the row is watched; the file in `staging`."""
    await anyio.to_thread.run_sync(lambda: staging.mkdir(parents=True, exist_ok=True))
    config = {
        "url": attempt.url,
        "directory": str(staging),
        "stem": attempt.stem,
        "allow_private_hosts": services.settings.allow_private_download_hosts,
        "ffmpeg_location": await anyio.to_thread.run_sync(ffmpeg_path, services.settings),
    }
    # -P: the script's folder (this package) must not shadow standard modules.
    command = [sys.executable, "-P", str(FETCHER), json.dumps(config)]
    child = await ChildProcess.start(command, name=f"yt-dlp of download {attempt.download_id}")
    progress = Progress()
    reader = asyncio.create_task(read_fetcher(child, progress))
    watcher = asyncio.create_task(watch_row(services, attempt, progress))
    timeout = services.tuning.download_timeout
    try:
        async with asyncio.timeout(timeout):
            done, _ = await asyncio.wait({reader, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except TimeoutError:
        raise FetchFailed(f"Download timed out after {timeout:g} s", transient=True) from None
    finally:
        for task in (reader, watcher):
            task.cancel()
        await asyncio.gather(reader, watcher, return_exceptions=True)
        await child.stop()
    if watcher in done:
        watcher.result()  # raises AttemptLost
    return reader.result()


async def read_fetcher(child: ChildProcess, progress: Progress) -> Fetched:
    fetched: Fetched | None = None
    async for line in child.lines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        event = message.get("event")
        if event == "progress":
            progress.update(int(message.get("downloaded") or 0), message.get("total"))
        elif event == "done":
            fetched = Fetched(Path(message["path"]), message.get("duration"), message.get("height"))
        elif event == "error":
            raise FetchFailed(str(message.get("reason")), transient=bool(message.get("transient")))
    code = await child.wait()
    if fetched is None:
        tail = child.stderr_tail()[-500:]
        raise FetchFailed(f"the downloader exited ({code}) without a result: {tail}", True)
    return fetched


async def watch_row(
    services: JobServices, attempt: DownloadAttempt, progress: Progress
) -> NoReturn:
    """Write progress when it moved and a heartbeat when one is due; every write proves the
    row is still ours (else AttemptLost)."""
    written = -1.0
    last_write = time.monotonic()
    while True:
        await asyncio.sleep(TICK_SECONDS)
        percent = progress.percent
        if percent == written and time.monotonic() - last_write < services.tuning.heartbeat_seconds:
            continue
        if not await beat(services, attempt, percent):
            raise AttemptLost()
        last_write = time.monotonic()
        if percent != written:
            written = percent
            await services.events.publish(attempt.event(DownloadStatus.DOWNLOADING, percent))


async def finish(services: JobServices, attempt: DownloadAttempt, fetched: Fetched) -> str:
    """Check the file, move it into place, make thumbnails, complete the row."""
    staged = await anyio.to_thread.run_sync(staged_file, staging_dir(services, attempt), fetched)
    duration = fetched.duration or await probe_duration(staged, services.settings)
    if not duration:
        raise FetchFailed(
            f"The download is not a playable video ({staged.suffix or 'no extension'})", False
        )
    if not await beat(services, attempt, 99.9):
        raise AttemptLost()
    target = attempt.target_dir / f"{attempt.stem}{staged.suffix}"
    size = await anyio.to_thread.run_sync(move_into_place, services.media_root, staged, target)
    frame = await thumbnails_for(services, attempt, target, duration)
    relative = target.relative_to(services.media_root).as_posix()
    result = Finished(relative, size, float(duration), fetched.height, frame)
    if not await complete(services, attempt, result):
        # Cancelled between the last byte and now: honour the cancel.
        leftovers = [target] + ([services.media_root / frame] if frame else [])
        await anyio.to_thread.run_sync(remove_files, leftovers)
        raise AttemptLost()
    await services.events.publish(
        attempt.event(DownloadStatus.COMPLETED, 100.0, file_path=relative, file_size=size)
    )
    await services.events.publish(video_job_event("thumbnails", attempt.video_id, "completed"))
    if services.tuning.transcode_downloads and target.suffix.lower() not in STREAMABLE_SUFFIXES:
        await services.queue.enqueue_job(
            "transcode_video",
            attempt.video_id,
            job_id=video_job_id("transcode", attempt.video_id),
        )
    return "completed"


async def thumbnails_for(
    services: JobServices, attempt: DownloadAttempt, media_file: Path, duration: float
) -> str | None:
    """Thumbnails of the new file; a failure here never fails the download."""
    try:
        async with asyncio.timeout(services.tuning.thumbnail_timeout):
            picture = await read_picture(services, attempt.video_id)
            if picture is None:
                return None
            return await make_thumbnails(services, replace(picture, duration=duration), media_file)
    except (ThumbnailError, UnsafePathError, OSError, TimeoutError) as error:
        logger.warning("download %s: no thumbnails: %s", attempt.download_id, error)
        return None


# -- files (blocking: called in worker threads) -------------------------------------------


def staged_file(staging: Path, fetched: Fetched) -> Path:
    """The child's file, which must be inside its staging folder."""
    try:
        path = confine(staging, fetched.path)
    except UnsafePathError as error:
        raise FetchFailed(f"the downloader wrote outside its folder: {error}", False) from None
    if not path.is_file():
        raise FetchFailed("the downloader reported a file that is not there", True)
    return path


def move_into_place(media_root: Path, staged: Path, target: Path) -> int:
    target = confine(media_root, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    return target.stat().st_size


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def remove_tree(staging_root: Path, folder: Path) -> None:
    # Only ever inside the staging root.
    if folder.parent == staging_root:
        shutil.rmtree(folder, ignore_errors=True)


def remove_earlier_attempts(staging_root: Path, current: Path) -> None:
    """What earlier attempts of this download left behind (a worker killed mid-download)."""
    prefix = current.name.rsplit("-", 1)[0] + "-"
    if not staging_root.is_dir():
        return
    for folder in staging_root.iterdir():
        if folder.name.startswith(prefix) and folder != current:
            remove_tree(staging_root, folder)
