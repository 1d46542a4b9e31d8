"""Live remux/transcode of a media file to fragmented MP4 with an asyncio ffmpeg process.

Browsers cannot play mkv/avi, so those are piped through ffmpeg and sent as they come out.
Fragmented MP4 (`empty_moov` + `frag_keyframe`) needs no seeking back in the output, so the
first bytes leave before ffmpeg has read the whole input. H.264 video and AAC/MP3 audio
are copied as they are; anything else is transcoded.

A `LiveTranscode` belongs to one response, which stops it (kills ffmpeg if it is still
running) when the body is done or the client goes away. `TranscodeSlots` bounds how many
run at once in this process. `ProbeCache` keeps each file's codecs, so only the first
live stream of a file starts two ffmpeg processes (probe, then remux); later ones start one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from new_app.services.media_tools import run_command

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
PROBE_TIMEOUT = 15.0
COPYABLE_VIDEO_CODECS = frozenset({"h264"})
COPYABLE_AUDIO_CODECS = frozenset({"aac", "mp3"})
_STREAM_LINE = re.compile(r"Stream #\d+:\d+.*?: (Video|Audio): (\w+)")


class TranscodeSlots:
    """A non-blocking counter: a live transcode takes a slot or is refused at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0

    def try_acquire(self) -> bool:
        if self.in_use >= self.limit:
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        self.in_use = max(0, self.in_use - 1)


@dataclass(frozen=True)
class StreamCodecs:
    video: str | None
    audio: str | None


async def probe_codecs(ffmpeg: str, media_file: Path) -> StreamCodecs:
    """The first video and audio codec names, read from `ffmpeg -i`'s header dump."""
    result = await run_command(
        [ffmpeg, "-hide_banner", "-nostdin", "-i", str(media_file)], limit_seconds=PROBE_TIMEOUT
    )
    found: dict[str, str] = {}
    for kind, codec in _STREAM_LINE.findall(result.stderr if result else ""):
        found.setdefault(kind, codec)
    return StreamCodecs(video=found.get("Video"), audio=found.get("Audio"))


# The version of a file a probe result belongs to: (path, size, mtime in ns).
FileVersion = tuple[str, int, int]
PROBE_CACHE_ENTRIES = 1024


class ProbeCache:
    """The codecs of recently streamed files, least recently used dropped first.

    Keyed by the file's size and modification time too: a replaced file is probed again,
    with no invalidation step (the same idea as the thumbnail cache)."""

    def __init__(self, entries: int = PROBE_CACHE_ENTRIES) -> None:
        self.entries = entries
        self._codecs: OrderedDict[FileVersion, StreamCodecs] = OrderedDict()

    async def codecs(self, ffmpeg: str, media_file: Path, version: FileVersion) -> StreamCodecs:
        found = self._codecs.get(version)
        if found is not None:
            self._codecs.move_to_end(version)
            return found
        codecs = await probe_codecs(ffmpeg, media_file)
        if codecs.video is not None or codecs.audio is not None:  # a failed probe is retried
            self._codecs[version] = codecs
            while len(self._codecs) > self.entries:
                self._codecs.popitem(last=False)
        return codecs


def fragmented_mp4_command(ffmpeg: str, media_file: Path, codecs: StreamCodecs) -> list[str]:
    video = (
        ["-c:v", "copy"]
        if codecs.video in COPYABLE_VIDEO_CODECS
        else ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    )
    audio = ["-c:a", "copy"] if codecs.audio in COPYABLE_AUDIO_CODECS else ["-c:a", "aac"]
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-i", str(media_file),
        "-map", "0:v:0?", "-map", "0:a:0?",
        *video, *audio,
        "-movflags", "frag_keyframe+empty_moov+default_base_moof",
        "-f", "mp4", "pipe:1",
    ]  # fmt: skip


class LiveTranscode:
    """One running ffmpeg whose stdout is a response body."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.finished = False

    @classmethod
    async def start(cls, command: list[str]) -> LiveTranscode:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    async def chunks(self) -> AsyncIterator[bytes]:
        """ffmpeg's output as it comes; `finished` once it has all been read."""
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(CHUNK_SIZE):
            yield chunk
        self.finished = True

    async def stop(self) -> None:
        """Kill ffmpeg if it is still running, and reap it; safe to call more than once."""
        if self.process.returncode is None and not self.finished:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            logger.info("live transcode cut short: ffmpeg (pid %d) killed", self.process.pid)
        returncode = await self.process.wait()
        if self.finished and returncode != 0:
            logger.warning("live transcode: ffmpeg exited with %d", returncode)
