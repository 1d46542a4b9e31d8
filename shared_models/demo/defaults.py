"""The demo's accounts, API key and default settings. The passwords and the key are
published in docs/simulator.md: they are for a local demo, never for a real install."""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.models import UserRole


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: UserRole


DEMO_USERS = (
    DemoUser("admin", "mvidarr-admin", UserRole.ADMIN),
    DemoUser("user", "mvidarr-user", UserRole.USER),
    DemoUser("readonly", "mvidarr-readonly", UserRole.READONLY),
)

DEMO_API_KEY_NAME = "Demo integration"
DEMO_API_KEY = "mvk_demo-integration-key-not-for-production"
DEMO_API_KEY_ROLE = UserRole.USER
DEMO_API_KEY_OWNER = "user"

# (key, value, description). Values are strings, as /api/settings stores them.
DEFAULT_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("require_authentication", "false", "Require a login (or an API key) for the UI and API."),
    ("session_timeout_hours", "24", "Hours a login session stays valid without activity."),
    ("max_concurrent_downloads", "2", "Downloads that run at the same time."),
    ("download_quality", "best", "yt-dlp format preference: best, 1080p, 720p or 480p."),
    ("download_format", "mp4", "Container downloads are merged into."),
    ("download_retry_attempts", "3", "Attempts before a download is marked failed."),
    ("auto_download_new_videos", "false", "Queue new videos of monitored artists."),
    ("file_naming_template", "{artist}/{title} [{youtube_id}]", "Path of a downloaded video."),
    ("imvdb_enabled", "true", "Look up artists and videos on IMVDb."),
    ("musicbrainz_enabled", "true", "Look up artist ids on MusicBrainz."),
    ("metadata_refresh_days", "30", "Days before a video's metadata is refreshed."),
    ("thumbnail_quality", "85", "JPEG quality of generated thumbnails (1-95)."),
    ("ui_theme", "dark", "Theme of the web interface: dark or light."),
    ("ui_items_per_page", "50", "Rows per page in the library views."),
)
