"""Thumbnails of a video: its picture (a thumbnail file, else its thumbnail URL, else a frame
of its video file, grabbed with ffmpeg) rendered small/medium/large into the shared cache by
new_app.services.thumbnails (Pillow in a worker thread), so pages never wait for Pillow.

A frame is grabbed only for a video that has no picture at all: an official image from
IMVDb is better than a frame. The frame is saved beside the video file (`<stem>.jpg`, as
yt-dlp names thumbnails) and becomes the video's `thumbnail_path`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import update

from new_app.jobs.context import JobServices, services_of
from new_app.jobs.events import video_job_event
from new_app.services.media_tools import run_command
from new_app.services.thumbnails import (
    THUMBNAIL_SIZES,
    ThumbnailError,
    ThumbnailSource,
    ThumbnailStore,
    ThumbnailUnreadable,
    existing_file,
)
from shared_models.media import UnsafePathError
from shared_models.models import Video
from shared_models.tools import ffmpeg_path

logger = logging.getLogger(__name__)

# The frame is taken a tenth into the video (past black intros), at most this far in.
FRAME_FRACTION = 0.1
FRAME_MAX_OFFSET = 5.0
FRAME_TIMEOUT = 60.0


@dataclass(frozen=True)
class Picture:
    """A video's picture sources, as its row says."""

    video_id: int
    thumbnail_path: str | None
    thumbnail_url: str | None
    local_path: str | None
    duration: float | None


async def read_picture(services: JobServices, video_id: int) -> Picture | None:
    async with services.session_factory() as db:
        video = await db.get(Video, video_id)
        if video is None:
            return None
        return Picture(
            video.id, video.thumbnail_path, video.thumbnail_url, video.local_path, video.duration
        )


def source_file(media_root: Path, relative: str | None) -> Path | None:
    """The file inside the media root if it exists; None if unset, missing or outside."""
    if not relative:
        return None
    try:
        return existing_file(media_root, relative)
    except UnsafePathError:
        return None


async def grab_frame(services: JobServices, media_file: Path, duration: float | None) -> Path:
    """A JPEG of one frame of `media_file`, saved beside it as `<stem>.jpg`."""
    target = media_file.with_suffix(".jpg")
    temporary = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp.jpg")
    offset = min(FRAME_MAX_OFFSET, (duration or 0.0) * FRAME_FRACTION)
    ffmpeg = await anyio.to_thread.run_sync(ffmpeg_path, services.settings)
    command = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-ss", f"{offset:.3f}", "-i", str(media_file),
        "-frames:v", "1", "-q:v", "2", "-y", str(temporary),
    ]  # fmt: skip
    result = await run_command(command, limit_seconds=FRAME_TIMEOUT)
    if (
        result is None
        or result.returncode != 0
        or not await anyio.to_thread.run_sync(temporary.is_file)
    ):
        await anyio.to_thread.run_sync(lambda: temporary.unlink(missing_ok=True))
        detail = result.stderr.strip()[-300:] if result else "ffmpeg did not finish"
        raise ThumbnailUnreadable(f"no frame from {media_file.name}: {detail}")
    await anyio.to_thread.run_sync(os.replace, temporary, target)
    return target


async def render_sizes(services: JobServices, source: ThumbnailSource) -> list[Path]:
    store = ThumbnailStore(
        services.media_root, services.http, services.settings.allow_private_download_hosts
    )
    return [await store.thumbnail(source, size) for size in THUMBNAIL_SIZES]


async def make_thumbnails(
    services: JobServices, picture: Picture, media_file: Path | None
) -> str | None:
    """Render the three sizes; a frame is grabbed first if the video has no picture.
    Returns the frame's path (relative to the media root) when one was made."""
    has_file = await anyio.to_thread.run_sync(
        source_file, services.media_root, picture.thumbnail_path
    )
    if has_file is not None or picture.thumbnail_url:
        await render_sizes(services, ThumbnailSource(picture.thumbnail_path, picture.thumbnail_url))
        return None
    if media_file is None:
        raise ThumbnailError("the video has no picture and no file")
    frame = await grab_frame(services, media_file, picture.duration)
    relative = frame.relative_to(services.media_root).as_posix()
    await render_sizes(services, ThumbnailSource(relative, None))
    return relative


async def generate_thumbnails(ctx: dict[str, Any], video_id: int) -> str:
    """Job: make sure the video's thumbnails exist (see the module's docstring)."""
    services = services_of(ctx)
    picture = await read_picture(services, video_id)
    if picture is None:
        return "no such video"
    try:
        async with asyncio.timeout(services.tuning.thumbnail_timeout):
            media_file = await anyio.to_thread.run_sync(
                source_file, services.media_root, picture.local_path
            )
            frame = await make_thumbnails(services, picture, media_file)
            if frame is not None:
                await remember_frame(services, video_id, picture.thumbnail_path, frame)
    except (ThumbnailError, UnsafePathError, TimeoutError) as error:
        logger.warning("thumbnails of video %d: %s", video_id, error)
        await services.events.publish(
            video_job_event("thumbnails", video_id, "failed", error=str(error)[:500])
        )
        return f"failed: {error}"
    await services.events.publish(video_job_event("thumbnails", video_id, "completed"))
    return "completed"


async def remember_frame(
    services: JobServices, video_id: int, previous: str | None, frame: str
) -> None:
    """Point the video at its frame, unless someone set another picture meanwhile."""
    async with services.session_factory() as db:
        await db.execute(
            update(Video)
            .where(Video.id == video_id)
            .where(
                Video.thumbnail_path.is_(None)
                if previous is None
                else Video.thumbnail_path == previous
            )
            .values(thumbnail_path=frame)
        )
        await db.commit()
