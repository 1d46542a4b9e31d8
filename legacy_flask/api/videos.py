"""/api/videos: the library's videos: list, search, edit, delete, download, refresh from
IMVDb, bulk changes. Streams and thumbnails live in `media.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from legacy_flask.body import (
    http_url,
    id_list,
    identifier,
    integer,
    json_body,
    string_list,
    text,
    validate,
    video_status,
)
from legacy_flask.db import get_db, get_or_404
from legacy_flask.errors import ApiError
from legacy_flask.library_queries import VIDEO_SORTS, genre_condition, video_page
from legacy_flask.query_params import (
    bool_arg,
    choice_arg,
    descending_arg,
    int_arg,
    offset_page_args,
    text_arg,
    video_status_arg,
)
from legacy_flask.runtime import current_runtime
from legacy_flask.serializers import deleted_json, download_json, video_json
from legacy_flask.services import imvdb
from legacy_flask.services.download_queue import (
    active_download,
    queue_download,
    stop_download_threads,
)
from legacy_flask.services.playlist_order import close_gaps, playlists_containing
from legacy_flask.services.url_safety import UnsafeUrlError, check_fetchable_url
from shared_models.media import UnsafePathError, confine
from shared_models.models import MAX_PRIORITY, MIN_PRIORITY, Artist, Video

bp = Blueprint("videos", __name__, url_prefix="/api/videos")

YEAR_RANGE = (1900, 2100)
VIDEO_FIELDS = {
    "title": text(255),
    "status": video_status(),
    "year": integer(*YEAR_RANGE, nullable=True),
    "quality": text(32, nullable=True),
    "description": text(20_000, nullable=True),
    "genres": string_list(),
    "youtube_id": text(32, nullable=True),
    "youtube_url": http_url(),
    "imvdb_id": identifier(),
    "thumbnail_url": http_url(),
}
DOWNLOAD_FIELDS = {"url": text(1000), "priority": integer(MIN_PRIORITY, MAX_PRIORITY)}
OUTSIDE_MEDIA_ROOT = "File path is outside the media root"


def load_video(video_id: int) -> Video:
    return get_or_404(Video, video_id, "Video", options=[joinedload(Video.artist)])


def video_file_to_delete(video: Video) -> Path | None:
    """The video's file, confined to the media root (checked before anything is deleted)."""
    if not video.local_path:
        return None
    try:
        return confine(current_runtime().settings.resolved_media_root, video.local_path)
    except UnsafePathError:
        raise ApiError(400, OUTSIDE_MEDIA_ROOT) from None


@bp.get("/")
def list_videos() -> ResponseReturnValue:
    sort = choice_arg("sort", VIDEO_SORTS, "title")
    descending = descending_arg()
    status = video_status_arg()
    artist_id = int_arg(
        "artist_id", None, minimum=1, message="artist_id must be a positive integer"
    )
    page = offset_page_args()
    conditions = []
    if status is not None:
        conditions.append(Video.status == status)
    if artist_id is not None:
        conditions.append(Video.artist_id == artist_id)
    videos, total = video_page(get_db(), conditions, sort=sort, descending=descending, page=page)
    return jsonify(page.envelope("videos", [video_json(v) for v in videos], total))


@bp.get("/search")
def search_videos() -> ResponseReturnValue:
    db = get_db()
    query = text_arg("q")
    artist = text_arg("artist")
    status = video_status_arg()
    year_from = int_arg("year_from", None, minimum=0, maximum=9999)
    year_to = int_arg("year_to", None, minimum=0, maximum=9999)
    genre = text_arg("genre")
    sort = choice_arg("sort_by", VIDEO_SORTS, "title")
    descending = descending_arg("sort_order")
    page = offset_page_args()
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ApiError(400, "year_from must not be greater than year_to")
    conditions = []
    if query:
        conditions.append(
            Video.title.icontains(query, autoescape=True)
            | Artist.name.icontains(query, autoescape=True)
        )
    if artist:
        conditions.append(Artist.name.icontains(artist, autoescape=True))
    if status is not None:
        conditions.append(Video.status == status)
    if year_from is not None:
        conditions.append(Video.year >= year_from)
    if year_to is not None:
        conditions.append(Video.year <= year_to)
    if genre:
        conditions.append(genre_condition(db, Video.genres, genre))
    videos, total = video_page(db, conditions, sort=sort, descending=descending, page=page)
    body = page.envelope("videos", [video_json(v) for v in videos], total)
    body["filters"] = {
        "q": query,
        "artist": artist,
        "status": status.value if status else None,
        "year_from": year_from,
        "year_to": year_to,
        "genre": genre,
    }
    return jsonify(body)


@bp.get("/<int:video_id>")
def get_video(video_id: int) -> ResponseReturnValue:
    return jsonify(video_json(load_video(video_id)))


@bp.put("/<int:video_id>")
def update_video(video_id: int) -> ResponseReturnValue:
    changes = validate(json_body(), VIDEO_FIELDS)
    video = load_video(video_id)
    for name, value in changes.items():
        setattr(video, name, value)
    get_db().commit()
    return jsonify(video_json(video))


@bp.delete("/<int:video_id>")
def delete_video(video_id: int) -> ResponseReturnValue:
    delete_file = bool_arg("delete_file", False)
    video = load_video(video_id)
    file_path = video_file_to_delete(video) if delete_file else None
    db = get_db()
    stop_download_threads(db, current_runtime().downloads, [video.id])
    playlists = playlists_containing(db, [video.id])
    db.delete(video)
    db.flush()
    close_gaps(db, playlists)
    db.commit()
    if file_path is not None:
        file_path.unlink(missing_ok=True)
    return jsonify(deleted_json("Video", video_id))


@bp.put("/<int:video_id>/status")
def set_video_status(video_id: int) -> ResponseReturnValue:
    changes = validate(json_body(), {"status": video_status()}, required=["status"])
    video = load_video(video_id)
    video.status = changes["status"]
    get_db().commit()
    return jsonify(video_json(video))


@bp.post("/<int:video_id>/download")
def download_video(video_id: int) -> ResponseReturnValue:
    options = validate(json_body(optional=True), DOWNLOAD_FIELDS)
    runtime = current_runtime()
    db = get_db()
    # The row lock (MariaDB) makes a double click queue one download, not two.
    video = db.scalar(
        select(Video)
        .where(Video.id == video_id)
        .options(joinedload(Video.artist))
        .with_for_update()
    )
    if video is None:
        raise ApiError(404, "Video not found")
    existing = active_download(db, video.id)
    if existing is not None:
        return jsonify({"message": "Download already queued", "download": download_json(existing)})
    url = options.get("url") or video.youtube_url
    if not url and video.youtube_id:
        url = runtime.settings.video_url_template.format(youtube_id=video.youtube_id)
    if not url:
        raise ApiError(400, "Video has no download URL")
    try:
        check_fetchable_url(url, allow_private_hosts=runtime.settings.allow_private_download_hosts)
    except UnsafeUrlError as error:
        raise ApiError(400, str(error)) from None
    try:
        download = queue_download(db, video, url, options.get("priority"))
        db.commit()
    except IntegrityError:
        # A concurrent request queued one first: the database holds one live download per
        # video (where the row lock above did not serialize the two, e.g. on SQLite).
        db.rollback()
        existing = active_download(db, video_id)
        if existing is None:
            raise
        return jsonify({"message": "Download already queued", "download": download_json(existing)})
    runtime.downloads.start(download.id)
    return jsonify({"message": "Download queued", "download": download_json(download)}), 202


@bp.post("/<int:video_id>/refresh-metadata")
def refresh_metadata(video_id: int) -> ResponseReturnValue:
    video = load_video(video_id)
    settings = current_runtime().settings
    client = imvdb.ImvdbClient.from_settings(settings)
    found = find_on_imvdb(client, video)
    if found is None:
        raise ApiError(404, "Video not found on IMVDb")
    apply_imvdb_video(video, found, settings.video_url_template)
    get_db().commit()
    return jsonify({"message": "Metadata refreshed", "video": video_json(video)})


def find_on_imvdb(client: imvdb.ImvdbClient, video: Video) -> dict[str, Any] | None:
    """By the video's IMVDb id, else by a search on artist and title."""
    if video.imvdb_id and video.imvdb_id.isdigit():
        found = client.video(video.imvdb_id)
        if found is not None:
            return found
    hits = client.search_videos(f"{video.artist.name} {video.title}")
    match = next((hit for hit in hits if imvdb.matches(hit, video.artist.name, video.title)), None)
    if match is None or match.get("id") is None:
        return None
    return client.video(str(match["id"]))


def apply_imvdb_video(video: Video, found: dict[str, Any], url_template: str) -> None:
    video.imvdb_id = str(found.get("id") or video.imvdb_id)
    video.year = imvdb.video_year(found) or video.year
    if isinstance(found.get("description"), str):
        video.description = found["description"]
    genres = imvdb.video_genres(found)
    if genres is not None:
        video.genres = genres
    video.thumbnail_url = imvdb.image_url(found) or video.thumbnail_url
    youtube_id = imvdb.primary_youtube_id(found)
    if youtube_id:
        video.youtube_id = youtube_id
        if not video.youtube_url:
            video.youtube_url = url_template.format(youtube_id=youtube_id)


@bp.post("/bulk/status")
def bulk_status() -> ResponseReturnValue:
    changes = validate(
        json_body(),
        {"video_ids": id_list(), "status": video_status()},
        required=["video_ids", "status"],
    )
    db = get_db()
    videos = db.scalars(select(Video).where(Video.id.in_(changes["video_ids"]))).all()
    for video in videos:
        video.status = changes["status"]
    db.commit()
    return jsonify({"updated": len(videos)})


@bp.post("/bulk/delete")
def bulk_delete() -> ResponseReturnValue:
    changes = validate(json_body(), {"video_ids": id_list()}, required=["video_ids"])
    db = get_db()
    existing = list(db.scalars(select(Video.id).where(Video.id.in_(changes["video_ids"]))))
    stop_download_threads(db, current_runtime().downloads, existing)
    playlists = playlists_containing(db, existing)
    if existing:
        db.execute(delete(Video).where(Video.id.in_(existing)))
    close_gaps(db, playlists)
    db.commit()
    return jsonify({"deleted": len(existing)})
