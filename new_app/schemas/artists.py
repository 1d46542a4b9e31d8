"""Artists: one artist, the paged list, an artist's videos, and IMVDb discovery/import."""

from __future__ import annotations

from pydantic import BaseModel

from new_app.schemas.common import Timestamp
from new_app.schemas.videos import VideoOut
from shared_models.models import Artist


class ArtistOut(BaseModel):
    id: int
    name: str
    imvdb_id: str | None
    musicbrainz_id: str | None
    genres: list[str]
    monitored: bool
    auto_download: bool
    folder_path: str | None
    thumbnail_url: str | None
    video_count: int
    created_at: Timestamp | None
    updated_at: Timestamp | None

    @classmethod
    def from_row(cls, artist: Artist, video_count: int) -> ArtistOut:
        return cls(
            id=artist.id,
            name=artist.name,
            imvdb_id=artist.imvdb_id,
            musicbrainz_id=artist.musicbrainz_id,
            genres=list(artist.genres or []),
            monitored=artist.monitored,
            auto_download=artist.auto_download,
            folder_path=artist.folder_path,
            thumbnail_url=artist.thumbnail_url,
            video_count=video_count,
            created_at=artist.created_at,
            updated_at=artist.updated_at,
        )


class ArtistPage(BaseModel):
    artists: list[ArtistOut]
    count: int
    total: int
    page: int
    per_page: int
    pages: int


class ArtistVideos(BaseModel):
    artist: ArtistOut
    videos: list[VideoOut]
    count: int
    total: int
    offset: int
    limit: int


class ImvdbArtistResult(BaseModel):
    imvdb_id: str
    name: str | None
    slug: str | None
    url: str | None
    image_url: str | None
    video_count: int | None
    in_library: bool


class ImvdbArtistSearch(BaseModel):
    query: str
    results: list[ImvdbArtistResult]
    count: int


class ArtistImported(BaseModel):
    artist: ArtistOut
    videos_imported: int
