"""/api/playlists: playlists and their ordered entries (positions always 1..n)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from legacy_flask.access import current_principal
from legacy_flask.body import boolean, id_list, integer, json_body, text, validate
from legacy_flask.db import get_db, get_or_404
from legacy_flask.errors import ApiError
from legacy_flask.query_params import bool_arg, numbered_page_args
from legacy_flask.serializers import deleted_json, playlist_json
from legacy_flask.services.playlist_order import close_gaps
from shared_models.models import Playlist, PlaylistEntry, Video, utcnow

bp = Blueprint("playlists", __name__, url_prefix="/api/playlists")

PLAYLIST_FIELDS = {
    "name": text(255),
    "description": text(5000, nullable=True),
    "is_public": boolean(),
}
# Big enough for any real playlist, small enough that a position is never absurd.
MAX_POSITION = 1_000_000


def load_playlist(playlist_id: int) -> Playlist:
    """The playlist with its entries, their videos and the videos' artists loaded."""
    return get_or_404(
        Playlist,
        playlist_id,
        "Playlist",
        options=[
            selectinload(Playlist.entries).joinedload(PlaylistEntry.video).joinedload(Video.artist)
        ],
    )


def with_entries(playlist: Playlist) -> dict[str, object]:
    entries = sorted(playlist.entries, key=lambda entry: entry.position)
    return playlist_json(playlist, len(entries), entries)


def commit_and_reload(playlist: Playlist) -> Playlist:
    """Commit, then read the playlist back so the answer shows what was stored."""
    db = get_db()
    db.commit()
    db.expire(playlist)
    return load_playlist(playlist.id)


@bp.get("/")
def list_playlists() -> ResponseReturnValue:
    page = numbered_page_args()
    db = get_db()
    total = db.scalar(select(func.count(Playlist.id))) or 0
    entry_count = (
        select(func.count(PlaylistEntry.id))
        .where(PlaylistEntry.playlist_id == Playlist.id)
        .correlate(Playlist)
        .scalar_subquery()
    )
    rows = db.execute(
        select(Playlist, entry_count)
        .order_by(Playlist.name, Playlist.id)
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    playlists = [playlist_json(playlist, count) for playlist, count in rows]
    return jsonify(page.envelope("playlists", playlists, total))


@bp.post("/")
def create_playlist() -> ResponseReturnValue:
    fields = validate(json_body(), PLAYLIST_FIELDS, required=["name"])
    playlist = Playlist(user_id=current_principal().user_id, **fields)
    db = get_db()
    db.add(playlist)
    db.commit()
    return jsonify(playlist_json(playlist, 0, [])), 201


@bp.get("/<int:playlist_id>")
def get_playlist(playlist_id: int) -> ResponseReturnValue:
    include_entries = bool_arg("include_entries", True)
    playlist = load_playlist(playlist_id)
    if include_entries:
        return jsonify(with_entries(playlist))
    return jsonify(playlist_json(playlist, len(playlist.entries)))


@bp.put("/<int:playlist_id>")
def update_playlist(playlist_id: int) -> ResponseReturnValue:
    fields = validate(json_body(), PLAYLIST_FIELDS)
    playlist = load_playlist(playlist_id)
    for name, value in fields.items():
        setattr(playlist, name, value)
    return jsonify(with_entries(commit_and_reload(playlist)))


@bp.delete("/<int:playlist_id>")
def delete_playlist(playlist_id: int) -> ResponseReturnValue:
    playlist = get_or_404(Playlist, playlist_id, "Playlist")
    db = get_db()
    db.delete(playlist)
    db.commit()
    return jsonify(deleted_json("Playlist", playlist_id))


@bp.post("/<int:playlist_id>/videos")
def add_video(playlist_id: int) -> ResponseReturnValue:
    fields = validate(
        json_body(),
        {"video_id": integer(1, 2**63 - 1), "position": integer(1, MAX_POSITION)},
        required=["video_id"],
    )
    playlist = load_playlist(playlist_id)
    get_or_404(Video, fields["video_id"], "Video")
    last = len(playlist.entries) + 1
    position = fields.get("position", last)
    if position > last:
        raise ApiError(400, f"position must be an integer between 1 and {last}")
    for entry in playlist.entries:
        if entry.position >= position:
            entry.position += 1
    playlist.entries.append(
        PlaylistEntry(video_id=fields["video_id"], position=position, added_at=utcnow())
    )
    playlist.updated_at = utcnow()
    return jsonify(with_entries(commit_and_reload(playlist))), 201


@bp.delete("/<int:playlist_id>/entries/<int:entry_id>")
def remove_entry(playlist_id: int, entry_id: int) -> ResponseReturnValue:
    playlist = load_playlist(playlist_id)
    entry = next((e for e in playlist.entries if e.id == entry_id), None)
    if entry is None:
        raise ApiError(404, "Playlist entry not found")
    db = get_db()
    playlist.entries.remove(entry)
    db.flush()
    close_gaps(db, [playlist.id])
    playlist.updated_at = utcnow()
    return jsonify(with_entries(commit_and_reload(playlist)))


@bp.put("/<int:playlist_id>/reorder")
def reorder(playlist_id: int) -> ResponseReturnValue:
    fields = validate(json_body(), {"entry_ids": id_list()}, required=["entry_ids"])
    playlist = load_playlist(playlist_id)
    entries = {entry.id: entry for entry in playlist.entries}
    requested = fields["entry_ids"]
    is_permutation = len(requested) == len(entries) == len(set(requested)) and set(
        requested
    ) == set(entries)
    if not is_permutation:
        raise ApiError(400, "entry_ids must list every entry of the playlist exactly once")
    for position, entry_id in enumerate(requested, start=1):
        entries[entry_id].position = position
    playlist.updated_at = utcnow()
    return jsonify(with_entries(commit_and_reload(playlist)))
