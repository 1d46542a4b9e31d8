"""Media files: the video stream (file with Range, or a live ffmpeg remux) and thumbnails
(resized by Pillow in the request). Every path read here is confined to MEDIA_ROOT."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Response, send_file
from flask.typing import ResponseReturnValue

from legacy_flask.db import get_or_404
from legacy_flask.errors import ApiError
from legacy_flask.runtime import Runtime, current_runtime
from legacy_flask.services.live_transcode import (
    LiveTranscode,
    fragmented_mp4_command,
    probe_codecs,
)
from legacy_flask.services.thumbnails import (
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
from shared_models.media import UnsafePathError, confine
from shared_models.models import Artist, Video
from shared_models.tools import ffmpeg_path

logger = logging.getLogger(__name__)

bp = Blueprint("media", __name__, url_prefix="/api")

# Served as they are (browsers play them), with Range support.
DIRECT_MIMETYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm"}
OUTSIDE_MEDIA_ROOT = "File path is outside the media root"
THUMBNAIL_MAX_AGE = 24 * 3600


def video_file(runtime: Runtime, video: Video) -> Path:
    if not video.local_path:
        raise ApiError(404, "Video file not found")
    try:
        path = confine(runtime.settings.resolved_media_root, video.local_path)
    except UnsafePathError:
        raise ApiError(400, OUTSIDE_MEDIA_ROOT) from None
    if not path.is_file():
        raise ApiError(404, "Video file not found")
    return path


@bp.get("/videos/<int:video_id>/stream")
def stream_video(video_id: int) -> ResponseReturnValue:
    runtime = current_runtime()
    path = video_file(runtime, get_or_404(Video, video_id, "Video"))
    mimetype = DIRECT_MIMETYPES.get(path.suffix.lower())
    if mimetype is not None:
        # conditional=True: Range -> 206, unsatisfiable -> 416, ETag/If-Modified-Since.
        return send_file(path, mimetype=mimetype, conditional=True, etag=True)
    return live_fragmented_mp4(runtime, path)


def live_fragmented_mp4(runtime: Runtime, path: Path) -> Response:
    slots = runtime.transcode_slots
    if not slots.acquire(blocking=False):
        raise ApiError(503, "Too many live transcodes, try again later")
    try:
        ffmpeg = ffmpeg_path(runtime.settings)
        command = fragmented_mp4_command(ffmpeg, path, probe_codecs(ffmpeg, path))
        transcode = LiveTranscode(command, on_stop=slots.release)
    except Exception:
        slots.release()
        raise
    response = Response(transcode.chunks(), mimetype="video/mp4", direct_passthrough=True)
    # Runs when the server closes the response: after the last chunk, or when the client
    # went away mid-stream (the generator is then closed without finishing).
    response.call_on_close(transcode.stop)
    response.headers["Cache-Control"] = "no-store"
    return response


def thumbnail_response(source: ThumbnailSource, size: str) -> ResponseReturnValue:
    if size not in THUMBNAIL_SIZES:
        raise ApiError(400, f"invalid thumbnail size '{size}'")
    settings = current_runtime().settings
    store = ThumbnailStore(
        media_root=settings.resolved_media_root,
        timeout=settings.upstream_timeout,
        allow_private_hosts=settings.allow_private_download_hosts,
    )
    try:
        path = store.thumbnail(source, size)
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
    return send_file(path, mimetype="image/jpeg", conditional=True, max_age=THUMBNAIL_MAX_AGE)


@bp.get("/videos/<int:video_id>/thumbnail")
def video_thumbnail(video_id: int) -> ResponseReturnValue:
    return video_thumbnail_sized(video_id, DEFAULT_SIZE)


@bp.get("/videos/<int:video_id>/thumbnail/<size>")
def video_thumbnail_sized(video_id: int, size: str) -> ResponseReturnValue:
    video = get_or_404(Video, video_id, "Video")
    return thumbnail_response(ThumbnailSource(video.thumbnail_path, video.thumbnail_url), size)


@bp.get("/artists/<int:artist_id>/thumbnail")
def artist_thumbnail(artist_id: int) -> ResponseReturnValue:
    artist = get_or_404(Artist, artist_id, "Artist")
    return thumbnail_response(
        ThumbnailSource(artist.thumbnail_path, artist.thumbnail_url), DEFAULT_SIZE
    )
