"""Finding and running ffmpeg (and ffprobe) the same way in both apps.

ffmpeg comes from the FFMPEG_BINARY setting, else PATH, else the static build the
imageio-ffmpeg wheel ships (the optional `bundled-ffmpeg` extra). That wheel has no
ffprobe, so durations are read with ffprobe when one sits on PATH (or beside the chosen
ffmpeg) and parsed from `ffmpeg -i` otherwise.

The command builders and parsers are pure functions: the async app runs the same commands
with `asyncio.create_subprocess_exec`; the `run_*`/`probe_*` helpers here block and are
meant for Flask, the seed and tests.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from shared_models.settings import Settings

_DURATION_LINE = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VERSION_LINE = re.compile(r"^ffmpeg version (\S+)")


class FFmpegError(RuntimeError):
    """ffmpeg or ffprobe failed; the message ends with the tail of its error output."""


def ffmpeg_path(settings: Settings | None = None) -> str:
    """The ffmpeg executable: FFMPEG_BINARY, else ffmpeg on PATH, else imageio-ffmpeg's."""
    if settings is not None and settings.ffmpeg_binary:
        return settings.ffmpeg_binary
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    # Imported late: the wheel is only needed on machines without a system ffmpeg.
    try:
        import imageio_ffmpeg
    except ImportError:
        raise FFmpegError(
            "no ffmpeg: install the system's ffmpeg, set FFMPEG_BINARY, or install the "
            "'bundled-ffmpeg' extra"
        ) from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffprobe_path(settings: Settings | None = None) -> str | None:
    """An ffprobe beside the chosen ffmpeg or on PATH, or None (imageio-ffmpeg has none)."""
    sibling = Path(ffmpeg_path(settings)).with_name("ffprobe")
    if sibling.is_file():
        return str(sibling)
    return shutil.which("ffprobe")


def duration_command(media_file: Path, settings: Settings | None = None) -> list[str]:
    """The command whose output `parse_duration` reads (ffprobe if present, else ffmpeg -i)."""
    ffprobe = ffprobe_path(settings)
    if ffprobe:
        return [
            ffprobe,
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "default=noprint_wrappers=1:nokey=1",
            str(media_file),
        ]
    # `ffmpeg -i` with no output file exits 1 but prints the input's header first.
    return [ffmpeg_path(settings), "-hide_banner", "-i", str(media_file)]


def parse_duration(output: str) -> float | None:
    """Seconds from ffprobe's bare number or ffmpeg's `Duration: 00:03:25.04` line."""
    stripped = output.strip()
    try:
        return float(stripped)
    except ValueError:
        pass
    match = _DURATION_LINE.search(output)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def probe_duration(
    media_file: Path, settings: Settings | None = None, timeout: float = 30.0
) -> float | None:
    """The media file's duration in seconds, or None when it has none or cannot be read."""
    completed = subprocess.run(
        duration_command(media_file, settings),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    # ffprobe prints to stdout; `ffmpeg -i` prints the header to stderr.
    return parse_duration(completed.stdout) or parse_duration(completed.stderr)


def version_command(settings: Settings | None = None) -> list[str]:
    return [ffmpeg_path(settings), "-hide_banner", "-version"]


def parse_version(output: str) -> str | None:
    """'6.1.1-3' from the first line of `ffmpeg -version`."""
    match = _VERSION_LINE.search(output.lstrip())
    return match.group(1) if match else None


def run_ffmpeg(
    arguments: list[str], settings: Settings | None = None, timeout: float = 120.0
) -> None:
    """Run ffmpeg with `arguments` (no binary, no -y: pass what you mean); raise on failure."""
    command = [ffmpeg_path(settings), "-hide_banner", "-nostdin", "-loglevel", "error"]
    completed = subprocess.run(
        command + arguments,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise FFmpegError(
            f"ffmpeg exited with {completed.returncode}: {completed.stderr.strip()[-800:]}"
        )


def verify_playable(
    media_file: Path, settings: Settings | None = None, timeout: float = 60.0
) -> None:
    """Decode every frame of the file; raise FFmpegError if ffmpeg finds it broken."""
    run_ffmpeg(["-xerror", "-i", str(media_file), "-f", "null", "-"], settings, timeout=timeout)


@cache
def yt_dlp_version() -> str | None:
    """The installed yt-dlp's version, from its package metadata (read once)."""
    try:
        return version("yt-dlp")
    except PackageNotFoundError:
        return None
