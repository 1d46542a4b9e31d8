"""transcode_video: a video file browsers cannot play (mkv, avi) converted once into an MP4
with its index at the front (`-movflags +faststart`), so it is served with byte ranges
instead of a live ffmpeg per viewer.

H.264 video and AAC/MP3 audio are copied (a remux, seconds), anything else transcoded
(the same codec rules as the live stream). ffmpeg reports its position with `-progress`,
published as events. The new file is written in a staging folder, moved beside the old one
as `<stem>.mp4`, and the video row switched to it with a write that only succeeds if the row
still names the old file; then the old file is removed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import update

from new_app.jobs.child_process import ChildProcess
from new_app.jobs.context import JobServices, services_of
from new_app.jobs.events import video_job_event
from new_app.services.live_transcode import (
    COPYABLE_AUDIO_CODECS,
    COPYABLE_VIDEO_CODECS,
    StreamCodecs,
    probe_codecs,
)
from new_app.services.media_tools import probe_duration
from shared_models.media import UnsafePathError, confine
from shared_models.models import Video
from shared_models.tools import ffmpeg_path

logger = logging.getLogger(__name__)

READY_SUFFIXES = frozenset({".mp4", ".m4v", ".webm"})
PROGRESS_EVENT_INTERVAL = 0.5


class TranscodeFailed(Exception):
    pass


def faststart_command(ffmpeg: str, source: Path, target: Path, codecs: StreamCodecs) -> list[str]:
    video = (
        ["-c:v", "copy"]
        if codecs.video in COPYABLE_VIDEO_CODECS
        else ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    )
    audio = ["-c:a", "copy"] if codecs.audio in COPYABLE_AUDIO_CODECS else ["-c:a", "aac"]
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats",
        "-progress", "pipe:1",
        "-i", str(source),
        "-map", "0:v:0?", "-map", "0:a:0?",
        *video, *audio,
        "-movflags", "+faststart",
        "-f", "mp4", "-y", str(target),
    ]  # fmt: skip


async def transcode_video(ctx: dict[str, Any], video_id: int) -> str:
    """Job: convert the video's file to faststart MP4 (nothing to do if it already plays)."""
    services = services_of(ctx)
    async with services.session_factory() as db:
        video = await db.get(Video, video_id)
        local_path = video.local_path if video is not None else None
    if not local_path:
        return "no file"
    try:
        source = await anyio.to_thread.run_sync(confine, services.media_root, local_path)
    except UnsafePathError as error:
        return f"refused: {error}"
    if source.suffix.lower() in READY_SUFFIXES:
        return "already playable"
    staging = services.staging_root / f"transcode-{video_id}-{secrets.token_hex(4)}"
    try:
        async with asyncio.timeout(services.tuning.transcode_timeout):
            converted = await convert(services, video_id, source, staging)
        outcome = await switch_file(services, video_id, local_path, source, converted)
    except (TranscodeFailed, TimeoutError, OSError) as error:
        reason = str(error) or "timed out"
        logger.warning("transcode of video %d failed: %s", video_id, reason)
        await services.events.publish(
            video_job_event("transcode", video_id, "failed", error=reason[:500])
        )
        return f"failed: {reason}"
    finally:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(staging, ignore_errors=True))
    await services.events.publish(video_job_event("transcode", video_id, outcome, progress=100.0))
    return outcome


async def convert(services: JobServices, video_id: int, source: Path, staging: Path) -> Path:
    await anyio.to_thread.run_sync(lambda: staging.mkdir(parents=True, exist_ok=True))
    target = staging / f"{source.stem}.mp4"
    ffmpeg = await anyio.to_thread.run_sync(ffmpeg_path, services.settings)
    codecs = await probe_codecs(ffmpeg, source)
    if codecs.video is None:
        raise TranscodeFailed(f"{source.name} has no video stream ffmpeg can read")
    duration = await probe_duration(source, services.settings)
    command = faststart_command(ffmpeg, source, target, codecs)
    child = await ChildProcess.start(command, name=f"ffmpeg transcode of video {video_id}")
    try:
        await follow_progress(services, video_id, child, duration)
        code = await child.wait()
    finally:
        await child.stop()
    if code != 0:
        raise TranscodeFailed(f"ffmpeg exited with {code}: {child.stderr_tail()[-500:]}")
    return target


async def follow_progress(
    services: JobServices, video_id: int, child: ChildProcess, duration: float | None
) -> None:
    """ffmpeg's `-progress` blocks (`out_time_us=...` ... `progress=continue|end`) as events."""
    last = 0.0
    async for line in child.lines():
        key, _, value = line.partition("=")
        if key != "out_time_us" or not duration or not value.isdigit():
            continue
        now = time.monotonic()
        if now - last < PROGRESS_EVENT_INTERVAL:
            continue
        last = now
        percent = round(min(99.9, int(value) / 1e6 / duration * 100), 1)
        await services.events.publish(
            video_job_event("transcode", video_id, "running", progress=percent)
        )


async def switch_file(
    services: JobServices, video_id: int, old_relative: str, source: Path, converted: Path
) -> str:
    target = source.with_suffix(".mp4")
    if await anyio.to_thread.run_sync(target.exists):
        raise TranscodeFailed(f"{target.name} already exists beside {source.name}")
    await anyio.to_thread.run_sync(os.replace, converted, target)
    new_relative = target.relative_to(services.media_root).as_posix()
    async with services.session_factory() as db:
        switched = await db.execute(
            update(Video)
            .where(Video.id == video_id, Video.local_path == old_relative)
            .values(local_path=new_relative)
        )
        await db.commit()
    if switched.rowcount != 1:  # type: ignore[attr-defined]
        # The video moved on (deleted, re-downloaded) meanwhile: keep what it has now.
        await anyio.to_thread.run_sync(lambda: target.unlink(missing_ok=True))
        return "superseded"
    await anyio.to_thread.run_sync(lambda: source.unlink(missing_ok=True))
    logger.info("video %d transcoded: %s -> %s", video_id, old_relative, new_relative)
    return "completed"
