"""Playlist positions stay 1..n with no gaps, whatever removed an entry (the entry's own
DELETE, or a video deleted from the library, whose entries the database cascades away)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared_models.models import PlaylistEntry


async def playlists_containing(db: AsyncSession, video_ids: Iterable[int]) -> set[int]:
    ids = list(video_ids)
    if not ids:
        return set()
    statement = select(PlaylistEntry.playlist_id).where(PlaylistEntry.video_id.in_(ids))
    return set(await db.scalars(statement))


async def close_gaps(db: AsyncSession, playlist_ids: Iterable[int]) -> None:
    """Renumber each playlist's entries 1..n in their current order. The caller commits."""
    for playlist_id in playlist_ids:
        entries = await db.scalars(
            select(PlaylistEntry)
            .where(PlaylistEntry.playlist_id == playlist_id)
            .order_by(PlaylistEntry.position, PlaylistEntry.id)
        )
        for position, entry in enumerate(entries, start=1):
            if entry.position != position:
                entry.position = position
