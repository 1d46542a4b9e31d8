"""/api/downloads: the queue, the history, and retry/cancel/priority of one download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from new_app.batches import page_rows_as, rows_as
from new_app.body import integer, json_body, validate
from new_app.deps import MAX_ID, DbSession, RuntimeDep
from new_app.docs import PAGE_QUERY, described
from new_app.errors import ApiError
from new_app.jobs.events import download_event
from new_app.query import numbered_page_args, parse_enum, text_arg
from new_app.schemas.common import ERROR_RESPONSES, ErrorBody
from new_app.schemas.downloads import (
    ActiveDownloadConflict,
    DownloadAction,
    DownloadList,
    DownloadOut,
    DownloadPage,
)
from new_app.services.download_queue import (
    DOWNLOADS,
    FINISHED,
    RETRYABLE,
    active_download,
    download_rows,
    downloads_with_video,
    requeue,
)
from shared_models.models import (
    MAX_PRIORITY,
    MIN_PRIORITY,
    Download,
    DownloadStatus,
    VideoStatus,
    utcnow,
)

router = APIRouter(prefix="/api/downloads", tags=["downloads"], responses=ERROR_RESPONSES)


def status_filter(
    request: Request, allowed: tuple[DownloadStatus, ...]
) -> tuple[DownloadStatus, ...]:
    """The `status` query parameter, one of `allowed`; absent means all of them."""
    raw = text_arg(request, "status")
    if raw is None:
        return allowed
    status = parse_enum(DownloadStatus, raw, "status")
    if status not in allowed:
        raise ApiError(400, f"invalid status '{raw}'")
    return (status,)


async def load_download(db: AsyncSession, download_id: int) -> Download:
    download = (
        await db.scalar(downloads_with_video().where(Download.id == download_id))
        if download_id <= MAX_ID
        else None
    )
    if download is None:
        raise ApiError(404, "Download not found")
    return download


@router.get(
    "/queue",
    response_model=DownloadList,
    summary="Queued and running downloads, most urgent first",
    openapi_extra=described(query={"status": "queued or downloading (default both)"}),
)
async def queue(request: Request, db: DbSession) -> DownloadList:
    statuses = status_filter(request, DownloadStatus.active())
    columns = DOWNLOADS.c
    items = await rows_as(
        db,
        download_rows()
        .where(columns.status.in_(statuses))
        .order_by(columns.priority.desc(), columns.created_at, columns.id),
        DownloadOut.from_columns,
    )
    return DownloadList(downloads=items, count=len(items))


@router.get(
    "/history",
    response_model=DownloadPage,
    summary="Finished downloads, newest first",
    openapi_extra=described(
        query={"status": "completed, failed or cancelled (default all)", **PAGE_QUERY}
    ),
)
async def history(request: Request, db: DbSession) -> DownloadPage:
    statuses = status_filter(request, FINISHED)
    page = numbered_page_args(request)
    columns = DOWNLOADS.c
    finished = columns.status.in_(statuses)
    items, total = await page_rows_as(
        db,
        download_rows()
        .add_columns(func.count().over().label("total"))
        .where(finished)
        .order_by(columns.completed_at.desc(), columns.id.desc())
        .limit(page.per_page)
        .offset(page.offset),
        DownloadOut.from_columns,
        offset=page.offset,
        count=lambda: select(func.count(columns.id)).where(finished),
    )
    return DownloadPage(
        downloads=items,
        count=len(items),
        total=total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages(total),
    )


@router.post(
    "/{download_id:int}/retry",
    response_model=DownloadAction,
    summary="Retry a failed or cancelled download",
    responses={409: {"model": ActiveDownloadConflict, "description": "Not retryable now"}},
)
async def retry(download_id: int, db: DbSession, runtime: RuntimeDep) -> DownloadAction:
    download = await load_download(db, download_id)
    if download.status not in RETRYABLE:
        raise ApiError(409, "Only failed or cancelled downloads can be retried")
    other = await active_download(db, download.video_id)
    if other is not None:
        raise ApiError(409, "Video already has an active download", download_id=other.id)
    requeue(download)
    try:
        await db.commit()
    except IntegrityError:
        # Another download of the video went live meanwhile (the database allows one).
        await db.rollback()
        other = await active_download(db, download.video_id)
        raise ApiError(
            409, "Video already has an active download", download_id=other.id if other else None
        ) from None
    await runtime.jobs.enqueue_download(download.id, download.priority)
    await runtime.events.publish(download_event(download))
    return DownloadAction(message="Download requeued", download=DownloadOut.from_row(download))


@router.post(
    "/{download_id:int}/cancel",
    response_model=DownloadAction,
    summary="Cancel a queued or running download",
    responses={409: {"model": ErrorBody, "description": "Not cancellable"}},
)
async def cancel(download_id: int, db: DbSession, runtime: RuntimeDep) -> DownloadAction:
    download = await load_download(db, download_id)
    # Conditional, so a download that finishes at this very moment is not marked cancelled.
    cancelled = await db.execute(
        update(Download)
        .where(Download.id == download.id, Download.status.in_(DownloadStatus.active()))
        .values(status=DownloadStatus.CANCELLED, completed_at=utcnow())
    )
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        raise ApiError(409, "Only queued or downloading downloads can be cancelled")
    if download.video.status is VideoStatus.DOWNLOADING:
        download.video.status = VideoStatus.WANTED
    await db.commit()
    await db.refresh(download)
    # The row is marked first: the running attempt (here or anywhere) sees it and stops.
    await runtime.jobs.cancel_download(download.id)
    await runtime.events.publish(download_event(download))
    return DownloadAction(message="Download cancelled", download=DownloadOut.from_row(download))


@router.put(
    "/{download_id:int}/priority",
    response_model=DownloadOut,
    summary="Change a download's priority",
    openapi_extra=described(body={"priority": "1-10 (10 most urgent)"}, required=["priority"]),
)
async def set_priority(
    download_id: int, request: Request, db: DbSession, runtime: RuntimeDep
) -> DownloadOut:
    fields = validate(
        await json_body(request),
        {"priority": integer(MIN_PRIORITY, MAX_PRIORITY)},
        required=["priority"],
    )
    download = await load_download(db, download_id)
    download.priority = fields["priority"]
    await db.commit()
    if download.status in DownloadStatus.active():
        await runtime.jobs.reprioritize_download(download.id, download.priority)
        await runtime.events.publish(download_event(download))
    return DownloadOut.from_row(download)
