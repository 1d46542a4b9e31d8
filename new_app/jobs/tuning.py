"""How the job runners behave: timeouts, retries, heartbeats, sweeps.

Read from the environment like the shared Settings (same `.env`), but kept apart from
them: only the async app and its workers run jobs this way. Every variable is listed in
README.md ("Configuration") and explained in docs/jobs.md.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class JobTuning(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="JOB_", extra="ignore")

    download_timeout: float = Field(
        default=1800.0, gt=0, description="Seconds one download attempt may take."
    )
    transcode_timeout: float = Field(default=3600.0, gt=0, description="Seconds per transcode.")
    thumbnail_timeout: float = Field(default=120.0, gt=0, description="Seconds per thumbnail job.")
    metadata_timeout: float = Field(default=60.0, gt=0, description="Seconds per metadata refresh.")
    max_attempts: int = Field(
        default=4, ge=1, description="Attempts of a download before a transient failure is final."
    )
    retry_backoff: float = Field(
        default=10.0, ge=0, description="Seconds before the first retry; doubled each time."
    )
    retry_backoff_max: float = Field(default=600.0, ge=0, description="Longest wait for a retry.")
    heartbeat_seconds: float = Field(
        default=2.0, gt=0, description="How often a running download proves it is alive."
    )
    stale_seconds: float = Field(
        default=60.0, gt=0, description="A download silent this long is taken from its worker."
    )
    sweep_seconds: int = Field(
        default=30,
        ge=1,
        le=60,
        description="How often a worker re-enqueues lost rows and requeues stale ones.",
    )
    requeue_grace_seconds: float = Field(
        default=30.0,
        ge=0,
        description="A queued row unchanged this long, with no job in Redis, is re-enqueued.",
    )
    metadata_refresh_hour: int = Field(
        default=3,
        ge=0,
        le=23,
        description="Hour of the daily metadata refresh of monitored artists.",
    )
    metadata_refresh_batch: int = Field(
        default=500, ge=0, description="Videos refreshed per daily run (least recently updated)."
    )
    # On by default: a remuxed file is served with Range (seekable, first byte in
    # milliseconds); left as mkv/avi, every play starts a live ffmpeg remux.
    transcode_downloads: bool = Field(
        default=True, description="Remux/transcode finished mkv/avi downloads to faststart mp4."
    )
    worker_max_jobs: int = Field(
        default=4, ge=1, description="Jobs one `mvgate worker` runs at once."
    )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.retry_backoff_max, self.retry_backoff * 2 ** max(0, attempt - 1))
