"""/api/playlists: playlists and their ordered entries (positions always 1..n)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from new_app.batches import converted, rows_as
from new_app.body import boolean, id_list, integer, json_body, text, validate
from new_app.deps import CurrentPrincipal, DbSession, get_or_404
from new_app.docs import PAGE_QUERY, described
from new_app.errors import ApiError
from new_app.query import bool_arg, numbered_page_args
from new_app.schemas.common import ERROR_RESPONSES, Deleted
from new_app.schemas.playlists import (
    PlaylistEntryOut,
    PlaylistOut,
    PlaylistPage,
    PlaylistWithEntries,
)
from new_app.services.playlist_order import close_gaps
from shared_models.models import Playlist, PlaylistEntry, Video, utcnow

router = APIRouter(prefix="/api/playlists", tags=["playlists"], responses=ERROR_RESPONSES)

PLAYLIST_FIELDS = {
    "name": text(255),
    "description": text(5000, nullable=True),
    "is_public": boolean(),
}
PLAYLIST_BODY = {
    "name": "text, 1-255 characters",
    "description": "text or null",
    "is_public": "true or false",
}
# Big enough for any real playlist, small enough that a position is never absurd.
MAX_POSITION = 1_000_000
ENTRIES_WITH_VIDEOS = (
    selectinload(Playlist.entries).joinedload(PlaylistEntry.video).joinedload(Video.artist)
)


async def load_playlist(db: AsyncSession, playlist_id: int) -> Playlist:
    """The playlist with its entries, their videos and the videos' artists loaded (fresh
    from the database, not what this session last saw)."""
    return await get_or_404(
        db,
        Playlist,
        playlist_id,
        "Playlist",
        options=[ENTRIES_WITH_VIDEOS],
        populate_existing=True,
    )


async def with_entries(playlist: Playlist) -> PlaylistWithEntries:
    entries = sorted(playlist.entries, key=lambda entry: entry.position)
    return PlaylistWithEntries.from_entries(
        playlist, await converted(entries, PlaylistEntryOut.from_row)
    )


async def commit_and_reload(db: AsyncSession, playlist: Playlist) -> Playlist:
    """Commit, then read the playlist back so the answer shows what was stored."""
    await db.commit()
    return await load_playlist(db, playlist.id)


@router.get(
    "/",
    response_model=PlaylistPage,
    summary="List playlists",
    openapi_extra=described(query=PAGE_QUERY),
)
async def list_playlists(request: Request, db: DbSession) -> PlaylistPage:
    page = numbered_page_args(request)
    total = await db.scalar(select(func.count(Playlist.id))) or 0
    entry_count = (
        select(func.count(PlaylistEntry.id))
        .where(PlaylistEntry.playlist_id == Playlist.id)
        .correlate(Playlist)
        .scalar_subquery()
    )
    playlists = await rows_as(
        db,
        select(Playlist, entry_count)
        .order_by(Playlist.name, Playlist.id)
        .limit(page.per_page)
        .offset(page.offset),
        lambda row: PlaylistOut.from_row(row[0], row[1]),
    )
    return PlaylistPage(
        playlists=playlists,
        count=len(playlists),
        total=total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages(total),
    )


@router.post(
    "/",
    response_model=PlaylistWithEntries,
    status_code=201,
    summary="Create a playlist",
    openapi_extra=described(body=PLAYLIST_BODY, required=["name"]),
)
async def create_playlist(
    request: Request, db: DbSession, principal: CurrentPrincipal
) -> PlaylistWithEntries:
    fields = validate(await json_body(request), PLAYLIST_FIELDS, required=["name"])
    playlist = Playlist(user_id=principal.user_id, **fields)
    db.add(playlist)
    await db.commit()
    return PlaylistWithEntries.from_entries(playlist, [])


@router.get(
    "/{playlist_id:int}",
    response_model=PlaylistWithEntries | PlaylistOut,
    summary="One playlist",
    openapi_extra=described(query={"include_entries": "true (default) or false"}),
)
async def get_playlist(
    playlist_id: int, request: Request, db: DbSession
) -> PlaylistWithEntries | PlaylistOut:
    include_entries = bool_arg(request, "include_entries", True)
    playlist = await load_playlist(db, playlist_id)
    if include_entries:
        return await with_entries(playlist)
    return PlaylistOut.from_row(playlist, len(playlist.entries))


@router.put(
    "/{playlist_id:int}",
    response_model=PlaylistWithEntries,
    summary="Change a playlist",
    openapi_extra=described(body=PLAYLIST_BODY),
)
async def update_playlist(playlist_id: int, request: Request, db: DbSession) -> PlaylistWithEntries:
    fields = validate(await json_body(request), PLAYLIST_FIELDS)
    playlist = await load_playlist(db, playlist_id)
    for name, value in fields.items():
        setattr(playlist, name, value)
    return await with_entries(await commit_and_reload(db, playlist))


@router.delete("/{playlist_id:int}", response_model=Deleted, summary="Delete a playlist")
async def delete_playlist(playlist_id: int, db: DbSession) -> Deleted:
    playlist = await get_or_404(db, Playlist, playlist_id, "Playlist")
    await db.delete(playlist)
    await db.commit()
    return Deleted.of("Playlist", playlist_id)


@router.post(
    "/{playlist_id:int}/videos",
    response_model=PlaylistWithEntries,
    status_code=201,
    summary="Add a video to a playlist",
    openapi_extra=described(
        body={"video_id": "a video's id", "position": "1..n+1 (default: append)"},
        required=["video_id"],
    ),
)
async def add_video(playlist_id: int, request: Request, db: DbSession) -> PlaylistWithEntries:
    fields = validate(
        await json_body(request),
        {"video_id": integer(1, 2**63 - 1), "position": integer(1, MAX_POSITION)},
        required=["video_id"],
    )
    playlist = await load_playlist(db, playlist_id)
    await get_or_404(db, Video, fields["video_id"], "Video")
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
    return await with_entries(await commit_and_reload(db, playlist))


@router.delete(
    "/{playlist_id:int}/entries/{entry_id:int}",
    response_model=PlaylistWithEntries,
    summary="Remove an entry from a playlist",
)
async def remove_entry(playlist_id: int, entry_id: int, db: DbSession) -> PlaylistWithEntries:
    playlist = await load_playlist(db, playlist_id)
    entry = next((e for e in playlist.entries if e.id == entry_id), None)
    if entry is None:
        raise ApiError(404, "Playlist entry not found")
    playlist.entries.remove(entry)
    await db.flush()
    await close_gaps(db, [playlist.id])
    playlist.updated_at = utcnow()
    return await with_entries(await commit_and_reload(db, playlist))


@router.put(
    "/{playlist_id:int}/reorder",
    response_model=PlaylistWithEntries,
    summary="Reorder a playlist",
    openapi_extra=described(
        body={"entry_ids": "every entry id of the playlist, in the new order"},
        required=["entry_ids"],
    ),
)
async def reorder(playlist_id: int, request: Request, db: DbSession) -> PlaylistWithEntries:
    fields = validate(await json_body(request), {"entry_ids": id_list()}, required=["entry_ids"])
    playlist = await load_playlist(db, playlist_id)
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
    return await with_entries(await commit_and_reload(db, playlist))
