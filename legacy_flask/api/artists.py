"""/api/artists: the library's artists, their videos, and discovery/import from IMVDb."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from legacy_flask.body import boolean, http_url, identifier, json_body, string_list, text, validate
from legacy_flask.db import get_db, get_or_404
from legacy_flask.errors import ApiError
from legacy_flask.library_queries import (
    artist_video_count,
    library_imvdb_ids,
    video_count_of,
    video_page,
)
from legacy_flask.query_params import (
    bool_arg,
    choice_arg,
    descending_arg,
    numbered_page_args,
    offset_page_args,
    required_text_arg,
    text_arg,
    video_status_arg,
)
from legacy_flask.runtime import current_runtime
from legacy_flask.serializers import artist_json, deleted_json, video_json
from legacy_flask.services import imvdb
from legacy_flask.services.download_queue import stop_download_threads
from legacy_flask.services.playlist_order import close_gaps, playlists_containing
from shared_models.media import UnsafePathError, confine
from shared_models.models import Artist, Video, VideoStatus

bp = Blueprint("artists", __name__, url_prefix="/api/artists")

DUPLICATE_IMVDB_ID = "An artist with this IMVDb id already exists"


def folder_path(name: str, value: Any) -> str | None:
    """A folder for the artist's files: relative, and inside the media root."""
    folder = text(500, nullable=True)(name, value)
    if folder is None:
        return None
    media_root = current_runtime().settings.resolved_media_root
    try:
        resolved = confine(media_root, folder)
    except UnsafePathError:
        raise ApiError(400, f"{name} must be a relative path inside the media root") from None
    if folder.startswith("/") or resolved == media_root:
        raise ApiError(400, f"{name} must be a relative path inside the media root")
    return resolved.relative_to(media_root).as_posix()


ARTIST_FIELDS = {
    "name": text(255),
    "imvdb_id": identifier(),
    "musicbrainz_id": identifier(),
    "genres": string_list(),
    "monitored": boolean(),
    "auto_download": boolean(),
    "folder_path": folder_path,
    "thumbnail_url": http_url(),
}
ARTIST_SORTS = ("name", "created_at", "video_count")
IMPORT_FIELDS = {"imvdb_id": identifier(), "monitored": boolean(), "import_videos": boolean()}


def imvdb_id_taken(imvdb_id: str | None, except_artist_id: int | None = None) -> bool:
    if imvdb_id is None:
        return False
    statement = select(Artist.id).where(Artist.imvdb_id == imvdb_id)
    if except_artist_id is not None:
        statement = statement.where(Artist.id != except_artist_id)
    return get_db().scalar(statement) is not None


def commit_artist() -> None:
    """Commit; a concurrent insert of the same IMVDb id still ends as a 409."""
    try:
        get_db().commit()
    except IntegrityError:
        get_db().rollback()
        raise ApiError(409, DUPLICATE_IMVDB_ID) from None


@bp.get("/")
def list_artists() -> ResponseReturnValue:
    search = text_arg("search")
    monitored = bool_arg("monitored", None)
    sort = choice_arg("sort", ARTIST_SORTS, "name")
    descending = descending_arg()
    page = numbered_page_args()
    conditions = []
    if search:
        conditions.append(Artist.name.icontains(search, autoescape=True))
    if monitored is not None:
        conditions.append(Artist.monitored == monitored)
    db = get_db()
    total = db.scalar(select(func.count(Artist.id)).where(*conditions)) or 0
    video_count = artist_video_count().label("video_count")
    column = {"name": Artist.name, "created_at": Artist.created_at, "video_count": video_count}[
        sort
    ]
    order = (column.desc(), Artist.id.desc()) if descending else (column.asc(), Artist.id.asc())
    rows = db.execute(
        select(Artist, video_count)
        .where(*conditions)
        .order_by(*order)
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    artists = [artist_json(artist, count) for artist, count in rows]
    return jsonify(page.envelope("artists", artists, total))


@bp.post("/")
def create_artist() -> ResponseReturnValue:
    fields = validate(json_body(), ARTIST_FIELDS, required=["name"])
    if imvdb_id_taken(fields.get("imvdb_id")):
        raise ApiError(409, DUPLICATE_IMVDB_ID)
    artist = Artist(**fields)
    get_db().add(artist)
    commit_artist()
    return jsonify(artist_json(artist, 0)), 201


@bp.get("/<int:artist_id>")
def get_artist(artist_id: int) -> ResponseReturnValue:
    artist = get_or_404(Artist, artist_id, "Artist")
    return jsonify(artist_json(artist, video_count_of(get_db(), artist.id)))


@bp.put("/<int:artist_id>")
def update_artist(artist_id: int) -> ResponseReturnValue:
    fields = validate(json_body(), ARTIST_FIELDS)
    artist = get_or_404(Artist, artist_id, "Artist")
    if imvdb_id_taken(fields.get("imvdb_id"), except_artist_id=artist.id):
        raise ApiError(409, DUPLICATE_IMVDB_ID)
    for name, value in fields.items():
        setattr(artist, name, value)
    commit_artist()
    return jsonify(artist_json(artist, video_count_of(get_db(), artist.id)))


@bp.delete("/<int:artist_id>")
def delete_artist(artist_id: int) -> ResponseReturnValue:
    artist = get_or_404(Artist, artist_id, "Artist")
    db = get_db()
    video_ids = list(db.scalars(select(Video.id).where(Video.artist_id == artist.id)))
    stop_download_threads(db, current_runtime().downloads, video_ids)
    playlists = playlists_containing(db, video_ids)
    db.delete(artist)
    db.flush()
    close_gaps(db, playlists)
    db.commit()
    return jsonify(deleted_json("Artist", artist_id))


@bp.get("/<int:artist_id>/videos")
def artist_videos(artist_id: int) -> ResponseReturnValue:
    status = video_status_arg()
    page = offset_page_args()
    artist = get_or_404(Artist, artist_id, "Artist")
    db = get_db()
    conditions = [Video.artist_id == artist.id]
    if status is not None:
        conditions.append(Video.status == status)
    videos, total = video_page(db, conditions, sort="title", descending=False, page=page)
    body = {"artist": artist_json(artist, video_count_of(db, artist.id))}
    body.update(page.envelope("videos", [video_json(v) for v in videos], total))
    return jsonify(body)


@bp.get("/discover")
def discover() -> ResponseReturnValue:
    query = required_text_arg("q")
    client = imvdb.ImvdbClient.from_settings(current_runtime().settings)
    return jsonify(imvdb.artist_search(client, query, library_imvdb_ids(get_db())))


@bp.post("/import-from-imvdb")
def import_from_imvdb() -> ResponseReturnValue:
    fields = validate(json_body(), IMPORT_FIELDS, required=["imvdb_id"])
    imvdb_id = fields["imvdb_id"]
    if not imvdb_id.isdigit():
        raise ApiError(400, "imvdb_id must be a numeric IMVDb id")
    if imvdb_id_taken(imvdb_id):
        raise ApiError(409, DUPLICATE_IMVDB_ID)
    client = imvdb.ImvdbClient.from_settings(current_runtime().settings)
    entity = client.entity(imvdb_id)
    if entity is None:
        raise ApiError(404, "Artist not found on IMVDb")
    artist = Artist(
        name=str(entity.get("name") or f"IMVDb artist {imvdb_id}")[:255],
        imvdb_id=imvdb_id,
        thumbnail_url=imvdb.image_url(entity),
        monitored=fields.get("monitored", False),
    )
    db = get_db()
    db.add(artist)
    videos = imported_videos(entity) if fields.get("import_videos", True) else []
    for video in videos:
        video.artist = artist
    db.add_all(videos)
    commit_artist()
    return jsonify(
        {"artist": artist_json(artist, len(videos)), "videos_imported": len(videos)}
    ), 201


def imported_videos(entity: dict[str, Any]) -> list[Video]:
    listing = entity.get("artist_videos")
    items = listing.get("videos") if isinstance(listing, dict) else None
    videos = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("song_title"):
            continue
        videos.append(
            Video(
                title=str(item["song_title"])[:255],
                imvdb_id=str(item["id"]) if item.get("id") is not None else None,
                year=imvdb.video_year(item),
                thumbnail_url=imvdb.image_url(item),
                status=VideoStatus.WANTED,
                genres=[],
            )
        )
    return videos
