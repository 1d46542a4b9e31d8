"""The music-video library: artists and their videos."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.models.base import Base, TimestampMixin
from shared_models.models.enums import VideoStatus, string_enum

if TYPE_CHECKING:
    from shared_models.models.downloads import Download


class Artist(TimestampMixin, Base):
    __tablename__ = "artists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    imvdb_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    musicbrainz_id: Mapped[str | None] = mapped_column(String(64))
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    monitored: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_download: Mapped[bool] = mapped_column(Boolean, default=False)
    folder_path: Mapped[str | None] = mapped_column(String(500))
    thumbnail_url: Mapped[str | None] = mapped_column(String(500))
    thumbnail_path: Mapped[str | None] = mapped_column(String(500))

    videos: Mapped[list[Video]] = relationship(
        back_populates="artist", cascade="all, delete-orphan", passive_deletes=True
    )


class Video(TimestampMixin, Base):
    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255), index=True)
    imvdb_id: Mapped[str | None] = mapped_column(String(64), index=True)
    youtube_id: Mapped[str | None] = mapped_column(String(32))
    youtube_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[VideoStatus] = mapped_column(
        string_enum(VideoStatus), default=VideoStatus.WANTED, index=True
    )
    local_path: Mapped[str | None] = mapped_column(String(1000))
    duration: Mapped[float | None] = mapped_column(Float)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    quality: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    thumbnail_url: Mapped[str | None] = mapped_column(String(500))
    thumbnail_path: Mapped[str | None] = mapped_column(String(500))

    artist: Mapped[Artist] = relationship(back_populates="videos")
    downloads: Mapped[list[Download]] = relationship(
        back_populates="video", cascade="all, delete-orphan", passive_deletes=True
    )
