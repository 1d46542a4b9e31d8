"""Small real media files made with ffmpeg's test sources: what the demo library plays,
the simulator serves for download, and tests decode.

Each clip is a few seconds of a lavfi test pattern with a sine tone, at a small size, so
the whole set takes a few seconds to make. They are made once into a cache directory and
reused; a file is written under a temporary name and renamed, so two processes making the
same cache at once never see half a file.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from shared_models.settings import Settings
from shared_models.tools import run_ffmpeg

CLIPS_VERSION = 1


@dataclass(frozen=True)
class ClipSpec:
    name: str  # file name in the cache, e.g. "testsrc.mp4"
    ffmpeg_format: str  # the muxer, given explicitly because the temporary name has no suffix
    width: int
    height: int
    duration: float  # seconds; 0 for a still image
    inputs: tuple[str, ...]
    codec_options: tuple[str, ...]

    @property
    def extension(self) -> str:
        return Path(self.name).suffix.lstrip(".")

    @property
    def quality(self) -> str:
        return f"{self.height}p"


def _lavfi(video_source: str, tone_hz: int, spec_size: str, seconds: float) -> tuple[str, ...]:
    return (
        "-f", "lavfi", "-i", f"{video_source}=size={spec_size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=44100:duration={seconds}",
    )  # fmt: skip


_H264_AAC = (
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "64k", "-shortest",
)  # fmt: skip

_VP8_OPUS = (
    "-c:v", "libvpx", "-pix_fmt", "yuv420p", "-deadline", "realtime", "-cpu-used", "8",
    "-b:v", "300k", "-c:a", "libopus", "-b:a", "48k", "-shortest",
)  # fmt: skip

CLIPS: dict[str, ClipSpec] = {
    spec.name: spec
    for spec in (
        ClipSpec(
            name="testsrc.mp4",
            ffmpeg_format="mp4",
            width=320,
            height=180,
            duration=4.0,
            inputs=_lavfi("testsrc", 440, "320x180", 4.0),
            # faststart puts the index first, so a browser can play while downloading.
            codec_options=(*_H264_AAC, "-movflags", "+faststart"),
        ),
        ClipSpec(
            name="smptebars.mp4",
            ffmpeg_format="mp4",
            width=320,
            height=180,
            duration=3.0,
            inputs=_lavfi("smptebars", 660, "320x180", 3.0),
            codec_options=(*_H264_AAC, "-movflags", "+faststart"),
        ),
        ClipSpec(
            name="testsrc2.mkv",
            ffmpeg_format="matroska",
            width=320,
            height=180,
            duration=4.0,
            inputs=_lavfi("testsrc2", 550, "320x180", 4.0),
            codec_options=_H264_AAC,
        ),
        ClipSpec(
            name="rgbtestsrc.webm",
            ffmpeg_format="webm",
            width=320,
            height=180,
            duration=3.0,
            inputs=_lavfi("rgbtestsrc", 330, "320x180", 3.0),
            codec_options=_VP8_OPUS,
        ),
        ClipSpec(
            name="poster.jpg",
            ffmpeg_format="mjpeg",
            width=1280,
            height=720,
            duration=0.0,
            inputs=("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=1:duration=1"),
            codec_options=("-frames:v", "1", "-q:v", "4"),
        ),
    )
}

POSTER = CLIPS["poster.jpg"]


def videos_with_extension(extension: str) -> list[ClipSpec]:
    return [spec for spec in CLIPS.values() if spec.extension == extension and spec.duration]


def clip_for(key: str, extension: str) -> ClipSpec | None:
    """The clip a key (a YouTube id, a file stem) always maps to, or None for a format we
    do not have. crc32, not hash(): the choice must not change between processes."""
    candidates = videos_with_extension(extension)
    if not candidates:
        return None
    return candidates[zlib.crc32(key.encode()) % len(candidates)]


def default_clip_dir() -> Path:
    """A per-user cache outside the project, shared by test runs and the simulator."""
    return Path(tempfile.gettempdir()) / f"mvidarr-demo-clips-{os.getuid()}-v{CLIPS_VERSION}"


def make_clip(spec: ClipSpec, directory: Path, settings: Settings | None = None) -> Path:
    """The clip's file in `directory`, made with ffmpeg unless it is already there."""
    target = directory / spec.name
    if target.is_file() and target.stat().st_size > 0:
        return target
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{spec.name}.{os.getpid()}.partial"
    try:
        run_ffmpeg(
            ["-y", *spec.inputs, *spec.codec_options, "-f", spec.ffmpeg_format, str(partial)],
            settings,
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def make_clips(directory: Path | None = None, settings: Settings | None = None) -> dict[str, Path]:
    """Every clip, made once into `directory` (default: `default_clip_dir()`): name -> path."""
    directory = directory if directory is not None else default_clip_dir()
    return {name: make_clip(spec, directory, settings) for name, spec in CLIPS.items()}
