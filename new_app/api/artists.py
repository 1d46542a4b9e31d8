"""/api/artists: the library's artists, their videos, and discovery/import from IMVDb."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from new_app.batches import page_rows_as
from new_app.body import (
    Rule,
    boolean,
    http_url,
    identifier,
    json_body,
    string_list,
    text,
    validate,
)
from new_app.deps import DbSession, RuntimeDep, get_or_404
from new_app.docs import OFFSET_QUERY, PAGE_QUERY, described
from new_app.errors import ApiError
from new_app.query import (
    bool_arg,
    choice_arg,
    descending_arg,
    numbered_page_args,
    offset_page_args,
    required_text_arg,
    text_arg,
    video_status_arg,
)
from new_app.schemas.artists import (
    ArtistImported,
    ArtistOut,
    ArtistPage,
    ArtistVideos,
    ImvdbArtistSearch,
)
from new_app.schemas.common import ERROR_RESPONSES, Deleted, ErrorBody
from new_app.services import imvdb
from new_app.services.download_queue import stop_downloads_of
from new_app.services.library_queries import (
    ARTISTS,
    VIDEOS,
    artist_video_count,
    library_imvdb_ids,
    video_count_of,
    video_page,
)
from new_app.services.playlist_order import close_gaps, playlists_containing
from shared_models.media import UnsafePathError, confine
from shared_models.models import Artist, Video, VideoStatus

router = APIRouter(prefix="/api/artists", tags=["artists"], responses=ERROR_RESPONSES)

DUPLICATE_IMVDB_ID = "An artist with this IMVDb id already exists"
ARTIST_SORTS = ("name", "created_at", "video_count")
IMPORT_FIELDS = {"imvdb_id": identifier(), "monitored": boolean(), "import_videos": boolean()}
CONFLICT = {409: {"model": ErrorBody, "description": DUPLICATE_IMVDB_ID}}
UPSTREAM_FAILED = {502: {"model": ErrorBody, "description": "IMVDb failed"}}
ARTIST_BODY = {
    "name": "text, 1-255 characters",
    "imvdb_id": "string or integer",
    "musicbrainz_id": "string or integer",
    "genres": "list of at most 50 strings",
    "monitored": "true or false",
    "auto_download": "true or false",
    "folder_path": "a relative path inside the media root",
    "thumbnail_url": "http(s) URL or null",
}


def folder_path_rule(media_root: Path) -> Rule:
    """A folder for the artist's files: relative, and inside the (resolved) media root."""

    def rule(name: str, value: Any) -> str | None:
        folder = text(500, nullable=True)(name, value)
        if folder is None:
            return None
        try:
            resolved = confine(media_root, folder)
        except UnsafePathError:
            raise ApiError(400, f"{name} must be a relative path inside the media root") from None
        if folder.startswith("/") or resolved == media_root:
            raise ApiError(400, f"{name} must be a relative path inside the media root")
        return resolved.relative_to(media_root).as_posix()

    return rule


def artist_fields(media_root: Path) -> dict[str, Rule]:
    return {
        "name": text(255),
        "imvdb_id": identifier(),
        "musicbrainz_id": identifier(),
        "genres": string_list(),
        "monitored": boolean(),
        "auto_download": boolean(),
        "folder_path": folder_path_rule(media_root),
        "thumbnail_url": http_url(),
    }


async def imvdb_id_taken(
    db: AsyncSession, imvdb_id: str | None, except_artist_id: int | None = None
) -> bool:
    if imvdb_id is None:
        return False
    statement = select(Artist.id).where(Artist.imvdb_id == imvdb_id)
    if except_artist_id is not None:
        statement = statement.where(Artist.id != except_artist_id)
    return await db.scalar(statement) is not None


async def commit_artist(db: AsyncSession) -> None:
    """Commit; a concurrent insert of the same IMVDb id still ends as a 409."""
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise ApiError(409, DUPLICATE_IMVDB_ID) from None


@router.get(
    "/",
    response_model=ArtistPage,
    summary="List artists",
    openapi_extra=described(
        query={
            "search": "name contains (any case)",
            "monitored": "true or false",
            "sort": "name (default), created_at or video_count",
            "order": "asc (default) or desc",
            **PAGE_QUERY,
        }
    ),
)
async def list_artists(request: Request, db: DbSession) -> ArtistPage:
    search = text_arg(request, "search")
    monitored = bool_arg(request, "monitored", None)
    sort = choice_arg(request, "sort", ARTIST_SORTS, "name")
    descending = descending_arg(request)
    page = numbered_page_args(request)
    conditions: list[ColumnElement[bool]] = []
    if search:
        conditions.append(ARTISTS.c.name.icontains(search, autoescape=True))
    if monitored is not None:
        conditions.append(ARTISTS.c.monitored == monitored)
    video_count = artist_video_count().label("video_count")
    column = {"name": ARTISTS.c.name, "created_at": ARTISTS.c.created_at}.get(sort, video_count)
    key = ARTISTS.c.id
    order = (column.desc(), key.desc()) if descending else (column.asc(), key.asc())
    # Core rows (ArtistOut reads the table's columns by name) and the match count as a
    # window over the same select: one round trip, no ORM objects.
    artists, total = await page_rows_as(
        db,
        select(*ARTISTS.c, video_count, func.count().over().label("total"))
        .where(*conditions)
        .order_by(*order)
        .limit(page.per_page)
        .offset(page.offset),
        lambda row: ArtistOut.from_row(row, row.video_count),
        offset=page.offset,
        count=lambda: select(func.count(key)).where(*conditions),
    )
    return ArtistPage(
        artists=artists,
        count=len(artists),
        total=total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages(total),
    )


@router.post(
    "/",
    response_model=ArtistOut,
    status_code=201,
    summary="Add an artist",
    responses=CONFLICT,
    openapi_extra=described(body=ARTIST_BODY, required=["name"]),
)
async def create_artist(request: Request, db: DbSession, runtime: RuntimeDep) -> ArtistOut:
    rules = artist_fields(runtime.media_root)
    fields = validate(await json_body(request), rules, required=["name"])
    if await imvdb_id_taken(db, fields.get("imvdb_id")):
        raise ApiError(409, DUPLICATE_IMVDB_ID)
    artist = Artist(**fields)
    db.add(artist)
    await commit_artist(db)
    return ArtistOut.from_row(artist, 0)


@router.get("/{artist_id:int}", response_model=ArtistOut, summary="One artist")
async def get_artist(artist_id: int, db: DbSession) -> ArtistOut:
    artist = await get_or_404(db, Artist, artist_id, "Artist")
    return ArtistOut.from_row(artist, await video_count_of(db, artist.id))


@router.put(
    "/{artist_id:int}",
    response_model=ArtistOut,
    summary="Change an artist",
    responses=CONFLICT,
    openapi_extra=described(body=ARTIST_BODY),
)
async def update_artist(
    artist_id: int, request: Request, db: DbSession, runtime: RuntimeDep
) -> ArtistOut:
    rules = artist_fields(runtime.media_root)
    fields = validate(await json_body(request), rules)
    artist = await get_or_404(db, Artist, artist_id, "Artist")
    if await imvdb_id_taken(db, fields.get("imvdb_id"), except_artist_id=artist.id):
        raise ApiError(409, DUPLICATE_IMVDB_ID)
    for name, value in fields.items():
        setattr(artist, name, value)
    await commit_artist(db)
    return ArtistOut.from_row(artist, await video_count_of(db, artist.id))


@router.delete(
    "/{artist_id:int}", response_model=Deleted, summary="Delete an artist and its videos"
)
async def delete_artist(artist_id: int, db: DbSession, runtime: RuntimeDep) -> Deleted:
    artist = await get_or_404(db, Artist, artist_id, "Artist")
    video_ids = list(await db.scalars(select(Video.id).where(Video.artist_id == artist.id)))
    await stop_downloads_of(db, runtime.jobs, video_ids)
    playlists = await playlists_containing(db, video_ids)
    await db.delete(artist)
    await db.flush()
    await close_gaps(db, playlists)
    await db.commit()
    return Deleted.of("Artist", artist_id)


@router.get(
    "/{artist_id:int}/videos",
    response_model=ArtistVideos,
    summary="An artist's videos",
    openapi_extra=described(query={"status": "a video status (any case)", **OFFSET_QUERY}),
)
async def artist_videos(artist_id: int, request: Request, db: DbSession) -> ArtistVideos:
    status = video_status_arg(request)
    page = offset_page_args(request)
    artist = await get_or_404(db, Artist, artist_id, "Artist")
    conditions: list[ColumnElement[bool]] = [VIDEOS.c.artist_id == artist.id]
    if status is not None:
        conditions.append(VIDEOS.c.status == status)
    items, total = await video_page(db, conditions, sort="title", descending=False, page=page)
    return ArtistVideos(
        artist=ArtistOut.from_row(artist, await video_count_of(db, artist.id)),
        videos=items,
        count=len(items),
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get(
    "/discover",
    response_model=ImvdbArtistSearch,
    summary="Search IMVDb for artists",
    responses=UPSTREAM_FAILED,
    openapi_extra=described(query={"q": "what to look for"}, required=["q"]),
)
async def discover(request: Request, db: DbSession, runtime: RuntimeDep) -> ImvdbArtistSearch:
    query = required_text_arg(request, "q")
    library_ids = await library_imvdb_ids(db)
    await db.close()  # the upstream call may be slow: give the connection back first
    client = imvdb.ImvdbClient.from_settings(runtime.http, runtime.settings)
    return ImvdbArtistSearch.model_validate(await imvdb.artist_search(client, query, library_ids))


@router.post(
    "/import-from-imvdb",
    response_model=ArtistImported,
    status_code=201,
    summary="Add an artist (and its videos) from IMVDb",
    responses={**CONFLICT, **UPSTREAM_FAILED},
    openapi_extra=described(
        body={
            "imvdb_id": "IMVDb's numeric id (string or integer)",
            "monitored": "true or false",
            "import_videos": "true (default) or false",
        },
        required=["imvdb_id"],
    ),
)
async def import_from_imvdb(request: Request, db: DbSession, runtime: RuntimeDep) -> ArtistImported:
    fields = validate(await json_body(request), IMPORT_FIELDS, required=["imvdb_id"])
    imvdb_id = fields["imvdb_id"]
    if not imvdb_id.isdigit():
        raise ApiError(400, "imvdb_id must be a numeric IMVDb id")
    if await imvdb_id_taken(db, imvdb_id):
        raise ApiError(409, DUPLICATE_IMVDB_ID)
    await db.commit()  # no connection held while IMVDb answers (see refresh_metadata)
    client = imvdb.ImvdbClient.from_settings(runtime.http, runtime.settings)
    entity = await client.entity(imvdb_id)
    if entity is None:
        raise ApiError(404, "Artist not found on IMVDb")
    artist = Artist(
        name=str(entity.get("name") or f"IMVDb artist {imvdb_id}")[:255],
        imvdb_id=imvdb_id,
        thumbnail_url=imvdb.image_url(entity),
        monitored=fields.get("monitored", False),
    )
    db.add(artist)
    videos = imported_videos(entity) if fields.get("import_videos", True) else []
    for video in videos:
        video.artist = artist
    db.add_all(videos)
    await commit_artist(db)
    return ArtistImported(
        artist=ArtistOut.from_row(artist, len(videos)), videos_imported=len(videos)
    )


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
