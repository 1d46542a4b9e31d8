"""Live remux/transcode of a media file to fragmented MP4 with an ffmpeg subprocess.

Browsers cannot play mkv/avi, so those are piped through ffmpeg and sent as they come out.
Fragmented MP4 (`empty_moov` + `frag_keyframe`) needs no seeking back in the output, so the
first bytes can leave before ffmpeg has read the whole input. H.264 video and AAC/MP3 audio
are copied as they are; anything else is transcoded.

The process belongs to one response: `stop()` kills it, and the view registers `stop` to
run when the response is closed (the client went away or the body was fully sent).
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
COPYABLE_VIDEO_CODECS = frozenset({"h264"})
COPYABLE_AUDIO_CODECS = frozenset({"aac", "mp3"})
_STREAM_LINE = re.compile(r"Stream #\d+:\d+.*?: (Video|Audio): (\w+)")


@dataclass(frozen=True)
class StreamCodecs:
    video: str | None
    audio: str | None


def probe_codecs(ffmpeg: str, media_file: Path, timeout: float = 15.0) -> StreamCodecs:
    """The first video and audio codec names, read from `ffmpeg -i`'s header dump."""
    completed = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-i", str(media_file)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    found: dict[str, str] = {}
    for kind, codec in _STREAM_LINE.findall(completed.stderr):
        found.setdefault(kind, codec)
    return StreamCodecs(video=found.get("Video"), audio=found.get("Audio"))


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
    """One running ffmpeg whose stdout is the response body."""

    def __init__(self, command: list[str], on_stop: Callable[[], None] | None = None) -> None:
        self._on_stop = on_stop
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._sent_everything = False
        # bufsize=0: read() returns what the pipe has, so chunks leave as ffmpeg writes them.
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )

    def chunks(self) -> Iterator[bytes]:
        assert self.process.stdout is not None
        try:
            while chunk := self.process.stdout.read(CHUNK_SIZE):
                yield chunk
            self._sent_everything = True
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill ffmpeg (if still running) and free its slot; safe to call more than once."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        if not self._sent_everything and self.process.poll() is None:
            # The response was closed before the end: the client went away.
            self.process.kill()
            logger.info("live transcode cut short: ffmpeg (pid %d) killed", self.process.pid)
        returncode = self.process.wait()
        if self._sent_everything and returncode != 0:
            logger.warning("live transcode: ffmpeg exited with %d", returncode)
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self._on_stop is not None:
            self._on_stop()
