"""SQLAlchemy 2.0 typed models shared by both apps. Import models from here."""

from shared_models.models.accounts import ApiKey, AppSetting, User
from shared_models.models.base import Base, utcnow
from shared_models.models.downloads import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    MIN_PRIORITY,
    Download,
)
from shared_models.models.enums import DownloadStatus, UserRole, VideoStatus
from shared_models.models.library import Artist, Video
from shared_models.models.playlists import Playlist, PlaylistEntry

__all__ = [
    "DEFAULT_PRIORITY",
    "MAX_PRIORITY",
    "MIN_PRIORITY",
    "ApiKey",
    "AppSetting",
    "Artist",
    "Base",
    "Download",
    "DownloadStatus",
    "Playlist",
    "PlaylistEntry",
    "User",
    "UserRole",
    "Video",
    "VideoStatus",
    "utcnow",
]
