"""Settings for both apps, read from the environment (pydantic-settings).

Every variable is documented in README.md ("Configuration"); the names are part of
the operator contract in DESIGN.md.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """One settings object; the field name in upper case is the environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Where the default SQLite file, the media root and the generated secret live.",
    )
    database_url: str = Field(
        default="",
        description="sqlite:///path or mysql://user:pw@host/db; empty means SQLite under DATA_DIR.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the arq job queue and shared gateway state; "
        "unset runs jobs in-process.",
    )
    media_root: Path | None = Field(
        default=None, description="Root of all media files; empty means DATA_DIR/media."
    )
    secret_key: str = Field(
        default="",
        description="Signs the session cookie for both apps; empty means DATA_DIR/secret_key, "
        "created once.",
    )
    imvdb_base_url: str = Field(
        default="http://127.0.0.1:8001/imvdb/api/v1",
        description="IMVDb API root (the simulator in tests and the demo).",
    )
    musicbrainz_base_url: str = Field(
        default="http://127.0.0.1:8001/musicbrainz/ws/2",
        description="MusicBrainz API (the simulator in tests).",
    )
    video_url_template: str = Field(
        default="https://www.youtube.com/watch?v={youtube_id}",
        description="Download URL built from a video's youtube_id when it has none "
        "(the demo points it at the simulator's media).",
    )
    imvdb_api_key: str = Field(default="", description="Sent as IMVDB-APP-KEY to IMVDb.")
    upstream_timeout: float = Field(
        default=10.0, description="Seconds for IMVDb/MusicBrainz calls."
    )
    allow_private_download_hosts: bool = Field(
        default=False,
        description="Allow download URLs on loopback/private hosts (tests and the demo set it).",
    )
    max_concurrent_transcodes: int = Field(
        default=4, description="Live ffmpeg transcodes served at once; more answer 503."
    )
    max_concurrent_jobs: int = Field(
        default=2, description="In-process job concurrency when REDIS_URL is unset."
    )
    ffmpeg_binary: str = Field(
        default="", description="ffmpeg to run; empty means ffmpeg on PATH, else imageio-ffmpeg's."
    )

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mvidarr.db'}"

    @property
    def resolved_media_root(self) -> Path:
        root = self.media_root if self.media_root is not None else self.data_dir / "media"
        return root.expanduser().resolve()

    @property
    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or a key generated once and kept in DATA_DIR so every process agrees."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. App factories take a Settings argument instead
    when a test needs its own."""
    return Settings()
