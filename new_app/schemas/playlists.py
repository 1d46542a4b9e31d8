"""Playlists, with or without their ordered entries."""

from __future__ import annotations

from pydantic import BaseModel

from new_app.schemas.common import Timestamp
from new_app.schemas.videos import VideoOut
from shared_models.models import Playlist, PlaylistEntry


class PlaylistEntryOut(BaseModel):
    id: int
    position: int
    video_id: int
    added_at: Timestamp | None
    video: VideoOut

    @classmethod
    def from_row(cls, entry: PlaylistEntry) -> PlaylistEntryOut:
        """`entry` with its video and the video's artist loaded."""
        return cls(
            id=entry.id,
            position=entry.position,
            video_id=entry.video_id,
            added_at=entry.added_at,
            video=VideoOut.from_row(entry.video),
        )


class PlaylistOut(BaseModel):
    id: int
    name: str
    description: str | None
    is_public: bool
    user_id: int | None
    entry_count: int
    created_at: Timestamp | None
    updated_at: Timestamp | None

    @classmethod
    def from_row(cls, playlist: Playlist, entry_count: int) -> PlaylistOut:
        return cls(**playlist_fields(playlist, entry_count))


class PlaylistWithEntries(PlaylistOut):
    entries: list[PlaylistEntryOut]

    @classmethod
    def from_entries(
        cls, playlist: Playlist, entries: list[PlaylistEntryOut]
    ) -> PlaylistWithEntries:
        """`entries` in the order to show them."""
        return cls(**playlist_fields(playlist, len(entries)), entries=entries)


def playlist_fields(playlist: Playlist, entry_count: int) -> dict[str, object]:
    return {
        "id": playlist.id,
        "name": playlist.name,
        "description": playlist.description,
        "is_public": playlist.is_public,
        "user_id": playlist.user_id,
        "entry_count": entry_count,
        "created_at": playlist.created_at,
        "updated_at": playlist.updated_at,
    }


class PlaylistPage(BaseModel):
    playlists: list[PlaylistOut]
    count: int
    total: int
    page: int
    per_page: int
    pages: int
