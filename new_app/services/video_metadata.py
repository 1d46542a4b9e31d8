"""A video's metadata from IMVDb: finding the video there and copying what IMVDb knows onto
the row. Used by POST /api/videos/<id>/refresh-metadata and by the refresh_metadata job."""

from __future__ import annotations

from typing import Any

from new_app.services import imvdb
from shared_models.models import Video


async def find_on_imvdb(client: imvdb.ImvdbClient, video: Video) -> dict[str, Any] | None:
    """By the video's IMVDb id, else by a search on artist and title (`video.artist` loaded)."""
    if video.imvdb_id and video.imvdb_id.isdigit():
        found = await client.video(video.imvdb_id)
        if found is not None:
            return found
    hits = await client.search_videos(f"{video.artist.name} {video.title}")
    match = next((hit for hit in hits if imvdb.matches(hit, video.artist.name, video.title)), None)
    if match is None or match.get("id") is None:
        return None
    return await client.video(str(match["id"]))


def apply_imvdb_video(video: Video, found: dict[str, Any], url_template: str) -> None:
    video.imvdb_id = str(found.get("id") or video.imvdb_id)
    video.year = imvdb.video_year(found) or video.year
    if isinstance(found.get("description"), str):
        video.description = found["description"]
    genres = imvdb.video_genres(found)
    if genres is not None:
        video.genres = genres
    video.thumbnail_url = imvdb.image_url(found) or video.thumbnail_url
    youtube_id = imvdb.primary_youtube_id(found)
    if youtube_id:
        video.youtube_id = youtube_id
        if not video.youtube_url:
            video.youtube_url = url_template.format(youtube_id=youtube_id)
