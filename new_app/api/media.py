"""Media files: the video stream (the file with Range, or a live ffmpeg remux) and
thumbnails (resized by Pillow in a worker thread). Every path read here is confined to
MEDIA_ROOT."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, Request
from starlette.responses import Response

from new_app.deps import DbSession, RuntimeDep, columns_or_404
from new_app.errors import ApiError
from new_app.file_responses import ONE_READ_SIZE, FileInfo, send_file
from new_app.runtime import Runtime
from new_app.schemas.common import ERROR_RESPONSES, ErrorBody
from new_app.services.live_transcode import LiveTranscode, fragmented_mp4_command
from new_app.services.thumbnails import (
    DEFAULT_SIZE,
    THUMBNAIL_SIZES,
    ThumbnailFetchFailed,
    ThumbnailNotFound,
    ThumbnailRefused,
    ThumbnailSource,
    ThumbnailStore,
    ThumbnailTooLarge,
    ThumbnailUnreadable,
)
from new_app.stream_responses import LiveTranscodeResponse
from shared_models.media import UnsafePathError, confine
from shared_models.models import Artist, Video

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["media"], responses=ERROR_RESPONSES)

# Served as they are (browsers play them), with Range support.
DIRECT_MIMETYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm"}
OUTSIDE_MEDIA_ROOT = "File path is outside the media root"
THUMBNAIL_MAX_AGE = 24 * 3600
# A live transcode lasts about as long as the video plays: a retry hint, in seconds.
TRANSCODE_RETRY_AFTER = "30"

STREAM_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The file (mp4/webm/m4v), or a live fragmented-MP4 remux (mkv/avi/...)",
        "content": {"video/mp4": {}, "video/webm": {}},
    },
    206: {
        "description": "The requested byte range",
        "content": {"video/mp4": {}, "video/webm": {}},
    },
    416: {"model": ErrorBody, "description": "Range not satisfiable"},
    503: {"model": ErrorBody, "description": "Too many live transcodes (see Retry-After)"},
}
THUMBNAIL_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "A progressive JPEG", "content": {"image/jpeg": {}}},
    500: {"model": ErrorBody, "description": "The local image could not be read"},
    502: {"model": ErrorBody, "description": "The image URL failed"},
}


def video_file(media_root: Path, local_path: str | None) -> FileInfo:
    """Blocking (path resolution, stat): runs in a worker thread."""
    if not local_path:
        raise ApiError(404, "Video file not found")
    try:
        path = confine(media_root, local_path)
    except UnsafePathError:
        raise ApiError(400, OUTSIDE_MEDIA_ROOT) from None
    if not path.is_file():
        raise ApiError(404, "Video file not found")
    return FileInfo.of(path)


@router.get(
    "/videos/{video_id:int}/stream",
    summary="Stream a video",
    response_class=Response,
    responses=STREAM_RESPONSES,
)
async def stream_video(
    video_id: int, request: Request, db: DbSession, runtime: RuntimeDep
) -> Response:
    (local_path,) = await columns_or_404(db, Video, video_id, "Video", Video.local_path)
    await db.close()  # the stream may last minutes: give the connection back now
    media_root = runtime.media_root
    info = await anyio.to_thread.run_sync(video_file, media_root, local_path)
    mimetype = DIRECT_MIMETYPES.get(info.path.suffix.lower())
    if mimetype is not None:
        return send_file(request.headers, info, mimetype)
    return await live_fragmented_mp4(runtime, info)


async def live_fragmented_mp4(runtime: Runtime, info: FileInfo) -> Response:
    slots = runtime.transcodes
    if not slots.try_acquire():
        raise ApiError(
            503,
            "Too many live transcodes, try again later",
            headers={"Retry-After": TRANSCODE_RETRY_AFTER},
        )
    try:
        ffmpeg = await runtime.ffmpeg()
        codecs = await runtime.probes.codecs(ffmpeg, info.path, info.version)
        command = fragmented_mp4_command(ffmpeg, info.path, codecs)
        transcode = await LiveTranscode.start(command)
    except BaseException:
        slots.release()
        raise
    # The response owns the process from here: it kills ffmpeg and frees the slot when it
    # ends, however it ends.
    return LiveTranscodeResponse(transcode, on_close=slots.release)


def cached_thumbnail(store: ThumbnailStore, source: ThumbnailSource, size: str) -> FileInfo | None:
    """Blocking: the cached thumbnail's file facts and bytes, when the cache has it."""
    path = store.cached(source, size)
    return FileInfo.read(path, ONE_READ_SIZE) if path is not None else None


async def thumbnail_response(
    request: Request, runtime: Runtime, source: ThumbnailSource, size: str
) -> Response:
    if size not in THUMBNAIL_SIZES:
        raise ApiError(400, f"invalid thumbnail size '{size}'")
    settings = runtime.settings
    store = ThumbnailStore(
        media_root=runtime.media_root,
        http=runtime.http,
        allow_private_hosts=settings.allow_private_download_hosts,
    )
    try:
        info = await anyio.to_thread.run_sync(cached_thumbnail, store, source, size)
        if info is None:
            path = await store.thumbnail(source, size)
            info = await anyio.to_thread.run_sync(FileInfo.of, path)
    except UnsafePathError:
        raise ApiError(400, OUTSIDE_MEDIA_ROOT) from None
    except ThumbnailNotFound:
        raise ApiError(404, "Thumbnail not found") from None
    except ThumbnailRefused as error:
        raise ApiError(400, str(error)) from None
    except ThumbnailFetchFailed as error:
        logger.warning("thumbnail download failed: %s", error)
        raise ApiError(502, "Thumbnail download failed") from None
    except ThumbnailTooLarge as error:
        logger.warning("thumbnail source refused: %s", error)
        raise ApiError(422, "Thumbnail source image is too large") from None
    except ThumbnailUnreadable as error:
        logger.warning("thumbnail source unreadable: %s", error)
        raise ApiError(422, "Thumbnail could not be read") from None
    return send_file(request.headers, info, "image/jpeg", max_age=THUMBNAIL_MAX_AGE)


@router.get(
    "/videos/{video_id:int}/thumbnail",
    summary="A video's medium thumbnail",
    response_class=Response,
    responses=THUMBNAIL_RESPONSES,
)
async def video_thumbnail(
    video_id: int, request: Request, db: DbSession, runtime: RuntimeDep
) -> Response:
    return await video_thumbnail_sized(video_id, DEFAULT_SIZE, request, db, runtime)


@router.get(
    "/videos/{video_id:int}/thumbnail/{size}",
    summary="A video's thumbnail: small (160x90), medium (320x180) or large (640x360)",
    response_class=Response,
    responses=THUMBNAIL_RESPONSES,
)
async def video_thumbnail_sized(
    video_id: int, size: str, request: Request, db: DbSession, runtime: RuntimeDep
) -> Response:
    source = ThumbnailSource(
        *await columns_or_404(
            db, Video, video_id, "Video", Video.thumbnail_path, Video.thumbnail_url
        )
    )
    await db.close()  # the fetch and resize may take a while: give the connection back
    return await thumbnail_response(request, runtime, source, size)


@router.get(
    "/artists/{artist_id:int}/thumbnail",
    summary="An artist's medium thumbnail",
    response_class=Response,
    responses=THUMBNAIL_RESPONSES,
)
async def artist_thumbnail(
    artist_id: int, request: Request, db: DbSession, runtime: RuntimeDep
) -> Response:
    source = ThumbnailSource(
        *await columns_or_404(
            db, Artist, artist_id, "Artist", Artist.thumbnail_path, Artist.thumbnail_url
        )
    )
    await db.close()
    return await thumbnail_response(request, runtime, source, DEFAULT_SIZE)
