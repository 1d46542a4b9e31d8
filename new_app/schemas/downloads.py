"""Downloads: one download row, the queue, the history, and the answers of its actions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from new_app.schemas.common import Timestamp
from shared_models.models import Download, DownloadStatus


class DownloadOut(BaseModel):
    id: int
    video_id: int
    video_title: str
    artist_name: str
    url: str
    status: DownloadStatus
    progress: float
    priority: int
    error_message: str | None
    file_path: str | None
    file_size: int | None
    attempts: int
    job_id: str | None
    created_at: Timestamp | None
    updated_at: Timestamp | None
    started_at: Timestamp | None
    completed_at: Timestamp | None

    @classmethod
    def from_row(cls, download: Download) -> DownloadOut:
        """`download` with its video and the video's artist loaded."""
        return cls.of(download, download.video.title, download.video.artist.name)

    @classmethod
    def from_columns(cls, row: Any) -> DownloadOut:
        """A Core row of the downloads table's columns plus `video_title` and `artist_name`
        (download_queue.DOWNLOAD_OUT_COLUMNS): the listings' path, no ORM objects."""
        return cls.of(row, row.video_title, row.artist_name)

    @classmethod
    def of(cls, download: Any, video_title: str, artist_name: str) -> DownloadOut:
        """From anything with the downloads table's columns as attributes."""
        return cls(
            id=download.id,
            video_id=download.video_id,
            video_title=video_title,
            artist_name=artist_name,
            url=download.url,
            status=download.status,
            progress=float(download.progress or 0.0),
            priority=download.priority,
            error_message=download.error_message,
            file_path=download.file_path,
            file_size=download.file_size,
            attempts=download.attempts,
            job_id=download.job_id,
            created_at=download.created_at,
            updated_at=download.updated_at,
            started_at=download.started_at,
            completed_at=download.completed_at,
        )


class DownloadList(BaseModel):
    downloads: list[DownloadOut]
    count: int


class DownloadPage(BaseModel):
    downloads: list[DownloadOut]
    count: int
    total: int
    page: int
    per_page: int
    pages: int


class DownloadAction(BaseModel):
    message: str
    download: DownloadOut


class ActiveDownloadConflict(BaseModel):
    error: str
    download_id: int
