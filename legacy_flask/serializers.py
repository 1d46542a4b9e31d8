"""The JSON shape of each object, key for key in the order docs/api.md lists them.

Views pass in what needs a query (video counts, entry counts); these functions only read
attributes already loaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared_models.models import (
    ApiKey,
    AppSetting,
    Artist,
    Download,
    Playlist,
    PlaylistEntry,
    User,
    Video,
)


def timestamp(value: datetime | None) -> str | None:
    """Naive UTC to the second: `2026-11-23T23:20:50`."""
    return value.isoformat(timespec="seconds") if value is not None else None


def video_json(video: Video) -> dict[str, Any]:
    return {
        "id": video.id,
        "artist_id": video.artist_id,
        "artist_name": video.artist.name,
        "title": video.title,
        "imvdb_id": video.imvdb_id,
        "youtube_id": video.youtube_id,
        "youtube_url": video.youtube_url,
        "status": video.status.value,
        "local_path": video.local_path,
        "duration": video.duration,
        "year": video.year,
        "quality": video.quality,
        "description": video.description,
        "genres": list(video.genres or []),
        "thumbnail_url": video.thumbnail_url,
        "has_local_thumbnail": bool(video.thumbnail_path),
        "created_at": timestamp(video.created_at),
        "updated_at": timestamp(video.updated_at),
    }


def artist_json(artist: Artist, video_count: int) -> dict[str, Any]:
    return {
        "id": artist.id,
        "name": artist.name,
        "imvdb_id": artist.imvdb_id,
        "musicbrainz_id": artist.musicbrainz_id,
        "genres": list(artist.genres or []),
        "monitored": artist.monitored,
        "auto_download": artist.auto_download,
        "folder_path": artist.folder_path,
        "thumbnail_url": artist.thumbnail_url,
        "video_count": video_count,
        "created_at": timestamp(artist.created_at),
        "updated_at": timestamp(artist.updated_at),
    }


def playlist_entry_json(entry: PlaylistEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "position": entry.position,
        "video_id": entry.video_id,
        "added_at": timestamp(entry.added_at),
        "video": video_json(entry.video),
    }


def playlist_json(
    playlist: Playlist, entry_count: int, entries: list[PlaylistEntry] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": playlist.id,
        "name": playlist.name,
        "description": playlist.description,
        "is_public": playlist.is_public,
        "user_id": playlist.user_id,
        "entry_count": entry_count,
        "created_at": timestamp(playlist.created_at),
        "updated_at": timestamp(playlist.updated_at),
    }
    if entries is not None:
        data["entries"] = [playlist_entry_json(entry) for entry in entries]
    return data


def download_json(download: Download) -> dict[str, Any]:
    return {
        "id": download.id,
        "video_id": download.video_id,
        "video_title": download.video.title,
        "artist_name": download.video.artist.name,
        "url": download.url,
        "status": download.status.value,
        "progress": float(download.progress or 0.0),
        "priority": download.priority,
        "error_message": download.error_message,
        "file_path": download.file_path,
        "file_size": download.file_size,
        "attempts": download.attempts,
        "job_id": download.job_id,
        "created_at": timestamp(download.created_at),
        "updated_at": timestamp(download.updated_at),
        "started_at": timestamp(download.started_at),
        "completed_at": timestamp(download.completed_at),
    }


def setting_json(setting: AppSetting) -> dict[str, Any]:
    return {"key": setting.key, "value": setting.value, "description": setting.description}


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role.value,
        "is_active": user.is_active,
        "failed_login_attempts": user.failed_login_attempts,
        "locked_until": timestamp(user.locked_until),
        "last_login": timestamp(user.last_login),
        "created_at": timestamp(user.created_at),
    }


def user_summary_json(user: User) -> dict[str, Any]:
    """The short form /auth answers with."""
    return {"id": user.id, "username": user.username, "role": user.role.value}


def api_key_json(api_key: ApiKey) -> dict[str, Any]:
    return {
        "id": api_key.id,
        "name": api_key.name,
        "key_prefix": api_key.key_prefix,
        "role": api_key.role.value,
        "user_id": api_key.user_id,
        "is_active": api_key.is_active,
        "last_used_at": timestamp(api_key.last_used_at),
        "created_at": timestamp(api_key.created_at),
    }


def deleted_json(thing: str, identifier: int | str) -> dict[str, Any]:
    return {"message": f"{thing} deleted", "id": identifier}
