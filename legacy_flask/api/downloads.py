"""/api/downloads: the queue, the history, and retry/cancel/priority of one download."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from legacy_flask.body import integer, json_body, validate
from legacy_flask.db import get_db
from legacy_flask.errors import ApiError
from legacy_flask.query_params import numbered_page_args, parse_enum, text_arg
from legacy_flask.runtime import current_runtime
from legacy_flask.serializers import download_json
from legacy_flask.services.download_queue import (
    FINISHED,
    RETRYABLE,
    active_download,
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

bp = Blueprint("downloads", __name__, url_prefix="/api/downloads")


def status_filter(allowed: tuple[DownloadStatus, ...]) -> tuple[DownloadStatus, ...]:
    """The `status` query parameter, one of `allowed`; absent means all of them."""
    raw = text_arg("status")
    if raw is None:
        return allowed
    status = parse_enum(DownloadStatus, raw, "status")
    if status not in allowed:
        raise ApiError(400, f"invalid status '{raw}'")
    return (status,)


def load_download(download_id: int) -> Download:
    download = get_db().scalar(downloads_with_video().where(Download.id == download_id))
    if download is None:
        raise ApiError(404, "Download not found")
    return download


@bp.get("/queue")
def queue() -> ResponseReturnValue:
    statuses = status_filter(DownloadStatus.active())
    downloads = get_db().scalars(
        downloads_with_video()
        .where(Download.status.in_(statuses))
        .order_by(Download.priority.desc(), Download.created_at, Download.id)
    )
    items = [download_json(d) for d in downloads]
    return jsonify({"downloads": items, "count": len(items)})


@bp.get("/history")
def history() -> ResponseReturnValue:
    statuses = status_filter(FINISHED)
    page = numbered_page_args()
    db = get_db()
    total = db.scalar(select(func.count(Download.id)).where(Download.status.in_(statuses))) or 0
    downloads = db.scalars(
        downloads_with_video()
        .where(Download.status.in_(statuses))
        .order_by(Download.completed_at.desc(), Download.id.desc())
        .limit(page.per_page)
        .offset(page.offset)
    )
    return jsonify(page.envelope("downloads", [download_json(d) for d in downloads], total))


@bp.post("/<int:download_id>/retry")
def retry(download_id: int) -> ResponseReturnValue:
    download = load_download(download_id)
    if download.status not in RETRYABLE:
        raise ApiError(409, "Only failed or cancelled downloads can be retried")
    other = active_download(get_db(), download.video_id)
    if other is not None:
        raise ApiError(409, "Video already has an active download", download_id=other.id)
    requeue(download)
    try:
        get_db().commit()
    except IntegrityError:
        # Another download of the video went live meanwhile (the database allows one).
        get_db().rollback()
        other = active_download(get_db(), download.video_id)
        raise ApiError(
            409, "Video already has an active download", download_id=other.id if other else None
        ) from None
    current_runtime().downloads.start(download.id)
    return jsonify({"message": "Download requeued", "download": download_json(download)})


@bp.post("/<int:download_id>/cancel")
def cancel(download_id: int) -> ResponseReturnValue:
    db = get_db()
    download = load_download(download_id)
    # Conditional, so a download that finishes at this very moment is not marked cancelled.
    cancelled = db.execute(
        update(Download)
        .where(Download.id == download.id, Download.status.in_(DownloadStatus.active()))
        .values(status=DownloadStatus.CANCELLED, completed_at=utcnow())
    )
    if cancelled.rowcount != 1:
        raise ApiError(409, "Only queued or downloading downloads can be cancelled")
    if download.video.status is VideoStatus.DOWNLOADING:
        download.video.status = VideoStatus.WANTED
    db.commit()
    db.refresh(download)
    # The row is marked first: the thread (or one in another process) sees it and stops.
    current_runtime().downloads.cancel(download.id)
    return jsonify({"message": "Download cancelled", "download": download_json(download)})


@bp.put("/<int:download_id>/priority")
def set_priority(download_id: int) -> ResponseReturnValue:
    fields = validate(
        json_body(),
        {"priority": integer(MIN_PRIORITY, MAX_PRIORITY)},
        required=["priority"],
    )
    download = load_download(download_id)
    download.priority = fields["priority"]
    get_db().commit()
    return jsonify(download_json(download))
