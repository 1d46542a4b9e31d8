"""MusicBrainz search answers (the IMVDb ones live with the artists)."""

from __future__ import annotations

from pydantic import BaseModel


class MusicBrainzArtist(BaseModel):
    musicbrainz_id: str | None
    name: str | None
    sort_name: str | None
    country: str | None
    type: str | None
    disambiguation: str | None
    score: int | None
    tags: list[str]


class MusicBrainzSearch(BaseModel):
    query: str
    results: list[MusicBrainzArtist]
    count: int
