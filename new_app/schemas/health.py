"""/api/health answers."""

from __future__ import annotations

from pydantic import BaseModel


class Healthy(BaseModel):
    status: str
    database: str


class Unhealthy(BaseModel):
    status: str
    database: str
    error: str


class VersionOut(BaseModel):
    name: str
    version: str
    api_version: int


class ToolStatus(BaseModel):
    available: bool
    version: str | None


class DiskStatus(BaseModel):
    total_bytes: int
    free_bytes: int
    used_percent: float


class DatabaseStatus(BaseModel):
    ok: bool


class RedisStatus(BaseModel):
    configured: bool
    ok: bool


class SystemReport(BaseModel):
    ffmpeg: ToolStatus
    yt_dlp: ToolStatus
    disk: DiskStatus
    database: DatabaseStatus
    redis: RedisStatus
