"""Videos: one video, the two paged lists, and the answers of the video actions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from new_app.schemas.common import Timestamp
from new_app.schemas.downloads import DownloadOut
from shared_models.models import Video, VideoStatus


class VideoOut(BaseModel):
    id: int
    artist_id: int
    artist_name: str
    title: str
    imvdb_id: str | None
    youtube_id: str | None
    youtube_url: str | None
    status: VideoStatus
    local_path: str | None
    duration: float | None
    year: int | None
    quality: str | None
    description: str | None
    genres: list[str]
    thumbnail_url: str | None
    has_local_thumbnail: bool
    created_at: Timestamp | None
    updated_at: Timestamp | None

    @classmethod
    def from_row(cls, video: Video) -> VideoOut:
        """`video` with its artist loaded."""
        return cls.of(video, video.artist.name)

    @classmethod
    def from_columns(cls, row: Any) -> VideoOut:
        """A Core row of the videos table's columns plus `artist_name` (see
        library_queries.VIDEO_OUT_COLUMNS): the listings' path, no ORM objects."""
        return cls.of(row, row.artist_name)

    @classmethod
    def of(cls, video: Any, artist_name: str) -> VideoOut:
        """From anything with the videos table's columns as attributes."""
        return cls(
            id=video.id,
            artist_id=video.artist_id,
            artist_name=artist_name,
            title=video.title,
            imvdb_id=video.imvdb_id,
            youtube_id=video.youtube_id,
            youtube_url=video.youtube_url,
            status=video.status,
            local_path=video.local_path,
            duration=video.duration,
            year=video.year,
            quality=video.quality,
            description=video.description,
            genres=list(video.genres or []),
            thumbnail_url=video.thumbnail_url,
            has_local_thumbnail=bool(video.thumbnail_path),
            created_at=video.created_at,
            updated_at=video.updated_at,
        )


class VideoPage(BaseModel):
    videos: list[VideoOut]
    count: int
    total: int
    offset: int
    limit: int


class SearchFilters(BaseModel):
    q: str | None
    artist: str | None
    status: VideoStatus | None
    year_from: int | None
    year_to: int | None
    genre: str | None


class VideoSearchPage(VideoPage):
    filters: SearchFilters


class DownloadQueuedOut(BaseModel):
    message: str
    download: DownloadOut


class MetadataRefreshed(BaseModel):
    message: str
    video: VideoOut


class BulkUpdated(BaseModel):
    updated: int


class BulkDeleted(BaseModel):
    deleted: int
