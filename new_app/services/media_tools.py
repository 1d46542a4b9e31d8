"""ffmpeg/ffprobe run as asyncio subprocesses: the commands and parsers are the shared
ones in `shared_models.tools`; only the running differs from the legacy app."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

from shared_models.settings import Settings
from shared_models.tools import duration_command, parse_duration

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str


async def run_command(
    command: list[str], limit_seconds: float = DEFAULT_TIMEOUT
) -> CommandResult | None:
    """Run to completion; None when the binary is missing or it outlives `limit_seconds`."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError:
        return None
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), limit_seconds)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return None
    return CommandResult(
        returncode=process.returncode if process.returncode is not None else -1,
        stdout=stdout.decode(errors="replace"),
        stderr=stderr.decode(errors="replace"),
    )


async def probe_duration(media_file: Path, settings: Settings) -> float | None:
    """The media file's duration in seconds, or None when it has none or cannot be read."""
    # Finding ffprobe searches PATH on disk: in a thread, like all file-system work.
    command = await anyio.to_thread.run_sync(duration_command, media_file, settings)
    result = await run_command(command)
    if result is None:
        return None
    # ffprobe prints to stdout; `ffmpeg -i` prints the header to stderr.
    return parse_duration(result.stdout) or parse_duration(result.stderr)
