"""The facts /api/health/system reports, gathered without holding the event loop: tool
versions read once per process (ffmpeg's from an asyncio subprocess, yt-dlp's from its
package metadata), the disk in a thread, a query on
the async engine and a PING on an async Redis client."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import anyio.to_thread
import redis.asyncio as redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from new_app.services.media_tools import run_command
from shared_models.database import HEALTH_QUERY, HEALTH_TIMEOUT_SECONDS
from shared_models.settings import Settings
from shared_models.tools import parse_version, version_command, yt_dlp_version

COMMAND_TIMEOUT = 15.0
REDIS_TIMEOUT = 2.0


async def command_output(command: list[str]) -> str | None:
    """stdout of a command that exited 0, else None (missing binary, crash, timeout)."""
    result = await run_command(command, limit_seconds=COMMAND_TIMEOUT)
    return result.stdout if result is not None and result.returncode == 0 else None


# Tool versions do not change while the process runs: read once, by command.
_tool_versions: dict[tuple[str, ...], str | None] = {}


async def ffmpeg_status(settings: Settings) -> dict[str, Any]:
    # Finding the binary searches PATH on disk: in a thread, like all file-system work.
    command = tuple(await anyio.to_thread.run_sync(version_command, settings))
    if command not in _tool_versions:
        _tool_versions[command] = await command_output(list(command))
    output = _tool_versions[command]
    version = parse_version(output) if output else None
    return {"available": output is not None, "version": version}


async def yt_dlp_status() -> dict[str, Any]:
    # Package metadata, read once (cached by yt_dlp_version): no subprocess.
    version = await anyio.to_thread.run_sync(yt_dlp_version)
    return {"available": version is not None, "version": version}


def disk_status(media_root: Path) -> dict[str, Any]:
    usage = shutil.disk_usage(media_root)
    # No path: the report is public, and the layout of the server's disks is not.
    return {
        "total_bytes": usage.total,
        "free_bytes": usage.free,
        "used_percent": round(100.0 * usage.used / usage.total, 1) if usage.total else 0.0,
    }


async def database_ok(engine: AsyncEngine) -> bool:
    """A real query, every time (no cached verdict), given up on after a second."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text(HEALTH_QUERY))
    except (SQLAlchemyError, OSError, TimeoutError):
        return False
    return True


async def redis_status(redis_url: str | None) -> dict[str, Any]:
    if not redis_url:
        return {"configured": False, "ok": False}
    client = redis.Redis.from_url(
        redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )
    try:
        ok = bool(await client.ping())
    except (redis.RedisError, OSError):
        ok = False
    finally:
        await client.aclose()
    return {"configured": True, "ok": ok}


async def system_report(settings: Settings, engine: AsyncEngine) -> dict[str, Any]:
    ffmpeg, yt_dlp, disk, database, redis_report = await asyncio.gather(
        ffmpeg_status(settings),
        yt_dlp_status(),
        anyio.to_thread.run_sync(disk_status, settings.resolved_media_root),
        database_ok(engine),
        redis_status(settings.redis_url),
    )
    return {
        "ffmpeg": ffmpeg,
        "yt_dlp": yt_dlp,
        "disk": disk,
        "database": {"ok": database},
        "redis": redis_report,
    }
