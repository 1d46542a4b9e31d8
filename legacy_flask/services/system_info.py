"""The facts /api/health/system reports, gathered the blocking way: the tool versions
read once per process (ffmpeg's by a subprocess), a statvfs for the disk, a query and a
PING for the stores."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from shared_models.database import HEALTH_QUERY
from shared_models.settings import Settings
from shared_models.tools import parse_version, version_command, yt_dlp_version

COMMAND_TIMEOUT = 15.0
REDIS_TIMEOUT = 2.0


@cache
def tool_version(command: tuple[str, ...]) -> str | None:
    """A tool's version output, read once per process: it does not change while we run."""
    return command_output(list(command))


def command_output(command: list[str]) -> str | None:
    """stdout of a command that exited 0, else None (missing binary, crash, timeout)."""
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout if completed.returncode == 0 else None


def ffmpeg_status(settings: Settings) -> dict[str, Any]:
    output = tool_version(tuple(version_command(settings)))
    version = parse_version(output) if output else None
    return {"available": output is not None, "version": version}


def yt_dlp_status() -> dict[str, Any]:
    version = yt_dlp_version()
    return {"available": version is not None, "version": version}


def disk_status(media_root: Path) -> dict[str, Any]:
    usage = shutil.disk_usage(media_root)
    # No path: the report is public, and the layout of the server's disks is not.
    return {
        "total_bytes": usage.total,
        "free_bytes": usage.free,
        "used_percent": round(100.0 * usage.used / usage.total, 1) if usage.total else 0.0,
    }


def database_ok(engine: Engine) -> bool:
    """A real query, every time (no cached verdict); a MariaDB that does not answer is
    given up on after CONNECT_TIMEOUT_SECONDS."""
    try:
        with engine.connect() as connection:
            connection.execute(text(HEALTH_QUERY))
    except (SQLAlchemyError, OSError):
        return False
    return True


def redis_status(redis_url: str | None) -> dict[str, Any]:
    if not redis_url:
        return {"configured": False, "ok": False}
    client = redis.Redis.from_url(
        redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )
    try:
        ok = bool(client.ping())
    except (redis.RedisError, OSError):
        ok = False
    finally:
        client.close()
    return {"configured": True, "ok": ok}


def system_report(settings: Settings, engine: Engine) -> dict[str, Any]:
    return {
        "ffmpeg": ffmpeg_status(settings),
        "yt_dlp": yt_dlp_status(),
        "disk": disk_status(settings.resolved_media_root),
        "database": {"ok": database_ok(engine)},
        "redis": redis_status(settings.redis_url),
    }
