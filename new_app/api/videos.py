"""/api/videos: the library's videos: list, search, edit, delete, download, refresh from
IMVDb, bulk changes. Streams and thumbnails live in `media.py`."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from new_app.body import (
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
from new_app.deps import MAX_ID, DbSession, RuntimeDep, get_or_404
from new_app.docs import OFFSET_QUERY, described
from new_app.errors import ApiError
from new_app.jobs.events import download_event
from new_app.query import (
    bool_arg,
    choice_arg,
    descending_arg,
    int_arg,
    offset_page_args,
    text_arg,
    video_status_arg,
)
from new_app.schemas.common import ERROR_RESPONSES, Deleted, ErrorBody
from new_app.schemas.downloads import DownloadOut
from new_app.schemas.videos import (
    BulkDeleted,
    BulkUpdated,
    DownloadQueuedOut,
    MetadataRefreshed,
    SearchFilters,
    VideoOut,
    VideoPage,
    VideoSearchPage,
)
from new_app.services import imvdb
from new_app.services.download_queue import active_download, queue_download, stop_downloads_of
from new_app.services.library_queries import (
    ARTISTS,
    VIDEO_SORTS,
    VIDEOS,
    genre_condition,
    video_page,
)
from new_app.services.playlist_order import close_gaps, playlists_containing
from new_app.services.url_safety import UnsafeUrlError, check_fetchable_url
from new_app.services.video_metadata import apply_imvdb_video, find_on_imvdb
from shared_models.media import UnsafePathError, confine
from shared_models.models import MAX_PRIORITY, MIN_PRIORITY, Video

router = APIRouter(prefix="/api/videos", tags=["videos"], responses=ERROR_RESPONSES)

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
SORT_QUERY = {
    "sort": "title (default), artist_name, year, created_at or status",
    "order": "asc (default) or desc",
}
STATUS_WORDS = "WANTED, DOWNLOADING, DOWNLOADED, IGNORED, FAILED or MONITORED (any case)"


async def load_video(db: AsyncSession, video_id: int) -> Video:
    return await get_or_404(db, Video, video_id, "Video", options=[joinedload(Video.artist)])


def video_file_to_delete(media_root: Path, video: Video) -> Path | None:
    """The video's file, confined to the media root (checked before anything is deleted)."""
    if not video.local_path:
        return None
    try:
        return confine(media_root, video.local_path)
    except UnsafePathError:
        raise ApiError(400, OUTSIDE_MEDIA_ROOT) from None


@router.get(
    "/",
    response_model=VideoPage,
    summary="List videos",
    openapi_extra=described(
        query={**SORT_QUERY, "status": STATUS_WORDS, "artist_id": "an artist's id", **OFFSET_QUERY}
    ),
)
async def list_videos(request: Request, db: DbSession) -> VideoPage:
    sort = choice_arg(request, "sort", VIDEO_SORTS, "title")
    descending = descending_arg(request)
    status = video_status_arg(request)
    artist_id = int_arg(
        request, "artist_id", None, minimum=1, message="artist_id must be a positive integer"
    )
    page = offset_page_args(request)
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(VIDEOS.c.status == status)
    if artist_id is not None:
        conditions.append(VIDEOS.c.artist_id == artist_id)
    items, total = await video_page(db, conditions, sort=sort, descending=descending, page=page)
    return VideoPage(
        videos=items, count=len(items), total=total, offset=page.offset, limit=page.limit
    )


@router.get(
    "/search",
    response_model=VideoSearchPage,
    summary="Search videos",
    openapi_extra=described(
        query={
            "q": "title or artist name contains (any case)",
            "artist": "artist name contains (any case)",
            "status": STATUS_WORDS,
            "year_from": "earliest year",
            "year_to": "latest year",
            "genre": "one of the video's genres (exact)",
            "sort_by": SORT_QUERY["sort"],
            "sort_order": SORT_QUERY["order"],
            **OFFSET_QUERY,
        }
    ),
)
async def search_videos(request: Request, db: DbSession, runtime: RuntimeDep) -> VideoSearchPage:
    query = text_arg(request, "q")
    artist = text_arg(request, "artist")
    status = video_status_arg(request)
    year_from = int_arg(request, "year_from", None, minimum=0, maximum=9999)
    year_to = int_arg(request, "year_to", None, minimum=0, maximum=9999)
    genre = text_arg(request, "genre")
    sort = choice_arg(request, "sort_by", VIDEO_SORTS, "title")
    descending = descending_arg(request, "sort_order")
    page = offset_page_args(request)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ApiError(400, "year_from must not be greater than year_to")
    conditions: list[ColumnElement[bool]] = []
    if query:
        conditions.append(
            VIDEOS.c.title.icontains(query, autoescape=True)
            | ARTISTS.c.name.icontains(query, autoescape=True)
        )
    if artist:
        conditions.append(ARTISTS.c.name.icontains(artist, autoescape=True))
    if status is not None:
        conditions.append(VIDEOS.c.status == status)
    if year_from is not None:
        conditions.append(VIDEOS.c.year >= year_from)
    if year_to is not None:
        conditions.append(VIDEOS.c.year <= year_to)
    if genre:
        conditions.append(genre_condition(runtime.engine.dialect.name, VIDEOS.c.genres, genre))
    items, total = await video_page(db, conditions, sort=sort, descending=descending, page=page)
    filters = SearchFilters(
        q=query, artist=artist, status=status, year_from=year_from, year_to=year_to, genre=genre
    )
    return VideoSearchPage(
        videos=items,
        count=len(items),
        total=total,
        offset=page.offset,
        limit=page.limit,
        filters=filters,
    )


@router.get("/{video_id:int}", response_model=VideoOut, summary="One video")
async def get_video(video_id: int, db: DbSession) -> VideoOut:
    return VideoOut.from_row(await load_video(db, video_id))


@router.put(
    "/{video_id:int}",
    response_model=VideoOut,
    summary="Change a video",
    openapi_extra=described(
        body={
            "title": "text, 1-255 characters",
            "status": STATUS_WORDS,
            "year": "1900-2100 or null",
            "quality": "text or null",
            "description": "text or null",
            "genres": "list of at most 50 strings",
            "youtube_id": "text or null",
            "youtube_url": "http(s) URL or null",
            "imvdb_id": "string or integer",
            "thumbnail_url": "http(s) URL or null",
        }
    ),
)
async def update_video(video_id: int, request: Request, db: DbSession) -> VideoOut:
    changes = validate(await json_body(request), VIDEO_FIELDS)
    video = await load_video(db, video_id)
    for name, value in changes.items():
        setattr(video, name, value)
    await db.commit()
    return VideoOut.from_row(video)


@router.delete(
    "/{video_id:int}",
    response_model=Deleted,
    summary="Delete a video",
    openapi_extra=described(query={"delete_file": "true to remove the file too"}),
)
async def delete_video(
    video_id: int, request: Request, db: DbSession, runtime: RuntimeDep
) -> Deleted:
    delete_file = bool_arg(request, "delete_file", False)
    video = await load_video(db, video_id)
    media_root = runtime.media_root
    file_path = (
        await anyio.to_thread.run_sync(video_file_to_delete, media_root, video)
        if delete_file
        else None
    )
    await stop_downloads_of(db, runtime.jobs, [video.id])
    playlists = await playlists_containing(db, [video.id])
    await db.delete(video)
    await db.flush()
    await close_gaps(db, playlists)
    await db.commit()
    if file_path is not None:
        await anyio.to_thread.run_sync(lambda: file_path.unlink(missing_ok=True))
    return Deleted.of("Video", video_id)


@router.put(
    "/{video_id:int}/status",
    response_model=VideoOut,
    summary="Set a video's status",
    openapi_extra=described(body={"status": STATUS_WORDS}, required=["status"]),
)
async def set_video_status(video_id: int, request: Request, db: DbSession) -> VideoOut:
    changes = validate(await json_body(request), {"status": video_status()}, required=["status"])
    video = await load_video(db, video_id)
    video.status = changes["status"]
    await db.commit()
    return VideoOut.from_row(video)


@router.post(
    "/{video_id:int}/download",
    response_model=DownloadQueuedOut,
    status_code=202,
    summary="Queue a download of a video",
    responses={200: {"model": DownloadQueuedOut, "description": "Already queued"}},
    openapi_extra=described(
        body={"url": "http(s) URL (default: the video's)", "priority": "1-10 (default 5)"},
        body_optional=True,
    ),
)
async def download_video(
    video_id: int, request: Request, response: Response, db: DbSession, runtime: RuntimeDep
) -> DownloadQueuedOut:
    options = validate(await json_body(request, optional=True), DOWNLOAD_FIELDS)
    if video_id > MAX_ID:
        raise ApiError(404, "Video not found")
    # The row lock (MariaDB) makes a double click queue one download, not two.
    video = await db.scalar(
        select(Video)
        .where(Video.id == video_id)
        .options(joinedload(Video.artist))
        .with_for_update()
    )
    if video is None:
        raise ApiError(404, "Video not found")
    existing = await active_download(db, video.id)
    if existing is not None:
        response.status_code = 200
        return DownloadQueuedOut(
            message="Download already queued", download=DownloadOut.from_row(existing)
        )
    settings = runtime.settings
    url = options.get("url") or video.youtube_url
    if not url and video.youtube_id:
        url = settings.video_url_template.format(youtube_id=video.youtube_id)
    if not url:
        raise ApiError(400, "Video has no download URL")
    try:
        await check_fetchable_url(url, allow_private_hosts=settings.allow_private_download_hosts)
    except UnsafeUrlError as error:
        raise ApiError(400, str(error)) from None
    try:
        download = await queue_download(db, video, url, options.get("priority"))
        await db.commit()
    except IntegrityError:
        # A concurrent request queued one first: the database holds one live download per
        # video (where the row lock above did not serialize the two, e.g. on SQLite).
        await db.rollback()
        existing = await active_download(db, video_id)
        if existing is None:
            raise
        response.status_code = 200
        return DownloadQueuedOut(
            message="Download already queued", download=DownloadOut.from_row(existing)
        )
    await runtime.jobs.enqueue_download(download.id, download.priority)
    await runtime.events.publish(download_event(download))
    return DownloadQueuedOut(message="Download queued", download=DownloadOut.from_row(download))


@router.post(
    "/{video_id:int}/refresh-metadata",
    response_model=MetadataRefreshed,
    summary="Refresh a video's metadata from IMVDb",
    responses={502: {"model": ErrorBody, "description": "IMVDb failed"}},
)
async def refresh_metadata(video_id: int, db: DbSession, runtime: RuntimeDep) -> MetadataRefreshed:
    video = await load_video(db, video_id)
    # IMVDb may take seconds: end the read so its connection goes back to the pool while
    # we wait (the loaded row stays usable: expire_on_commit is off). Thousands of slow
    # refreshes at once then hold no connections.
    await db.commit()
    settings = runtime.settings
    client = imvdb.ImvdbClient.from_settings(runtime.http, settings)
    found = await find_on_imvdb(client, video)
    if found is None:
        raise ApiError(404, "Video not found on IMVDb")
    apply_imvdb_video(video, found, settings.video_url_template)
    await db.commit()
    return MetadataRefreshed(message="Metadata refreshed", video=VideoOut.from_row(video))


@router.post(
    "/bulk/status",
    response_model=BulkUpdated,
    summary="Set the status of many videos",
    openapi_extra=described(
        body={"video_ids": "1-1000 video ids", "status": STATUS_WORDS},
        required=["video_ids", "status"],
    ),
)
async def bulk_status(request: Request, db: DbSession) -> BulkUpdated:
    changes = validate(
        await json_body(request),
        {"video_ids": id_list(), "status": video_status()},
        required=["video_ids", "status"],
    )
    ids = [video_id for video_id in changes["video_ids"] if video_id <= MAX_ID]
    videos = (await db.scalars(select(Video).where(Video.id.in_(ids)))).all()
    for video in videos:
        video.status = changes["status"]
    await db.commit()
    return BulkUpdated(updated=len(videos))


@router.post(
    "/bulk/delete",
    response_model=BulkDeleted,
    summary="Delete many videos (rows only, files stay)",
    openapi_extra=described(body={"video_ids": "1-1000 video ids"}, required=["video_ids"]),
)
async def bulk_delete(request: Request, db: DbSession, runtime: RuntimeDep) -> BulkDeleted:
    changes = validate(await json_body(request), {"video_ids": id_list()}, required=["video_ids"])
    ids = [video_id for video_id in changes["video_ids"] if video_id <= MAX_ID]
    existing = list(await db.scalars(select(Video.id).where(Video.id.in_(ids))))
    await stop_downloads_of(db, runtime.jobs, existing)
    playlists = await playlists_containing(db, existing)
    if existing:
        await db.execute(delete(Video).where(Video.id.in_(existing)))
    await close_gaps(db, playlists)
    await db.commit()
    return BulkDeleted(deleted=len(existing))
