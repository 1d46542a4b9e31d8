"""Download jobs. The row is the source of truth for a job: the queue only carries its id."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.models.base import Base, TimestampMixin
from shared_models.models.enums import DownloadStatus, string_enum

if TYPE_CHECKING:
    from shared_models.models.library import Video

MIN_PRIORITY = 1
MAX_PRIORITY = 10
DEFAULT_PRIORITY = 5
# The video id while the download is live (queued or downloading), else NULL. Computed by
# the database from `status`, so whichever app writes the row, a unique index on it allows
# one live download per video: MariaDB has no partial indexes, and NULLs never collide.
LIVE_VIDEO_ID = "CASE WHEN status IN ('queued', 'downloading') THEN video_id END"


class Download(TimestampMixin, Base):
    __tablename__ = "downloads"
    __table_args__ = (
        Index("ix_downloads_priority_status", "priority", "status"),
        Index("uq_downloads_live_video_id", "live_video_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    status: Mapped[DownloadStatus] = mapped_column(
        string_enum(DownloadStatus), default=DownloadStatus.QUEUED
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[int] = mapped_column(Integer, default=DEFAULT_PRIORITY)
    error_message: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(String(1000))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(100), index=True)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Read-only (the database computes it); never written by either app.
    live_video_id: Mapped[int | None] = mapped_column(
        Integer, Computed(LIVE_VIDEO_ID, persisted=False)
    )

    video: Mapped[Video] = relationship(back_populates="downloads")
