"""shared_models.tools: which ffmpeg runs, and durations read with and without ffprobe."""

from __future__ import annotations

import shutil
from pathlib import Path

import imageio_ffmpeg
import pytest

from shared_models.settings import Settings
from shared_models.tools import (
    FFmpegError,
    duration_command,
    ffmpeg_path,
    ffprobe_path,
    parse_duration,
    parse_version,
    probe_duration,
    run_ffmpeg,
    verify_playable,
)


def test_ffmpeg_binary_setting_wins(tmp_path: Path) -> None:
    assert ffmpeg_path(Settings(ffmpeg_binary="/opt/ff/ffmpeg")) == "/opt/ff/ffmpeg"
    assert ffmpeg_path(Settings(ffmpeg_binary="")) == shutil.which("ffmpeg")


def test_without_ffmpeg_on_path_the_wheel_binary_is_used(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert ffmpeg_path() == imageio_ffmpeg.get_ffmpeg_exe()
    # The wheel ships no ffprobe, so durations come from `ffmpeg -i`.
    assert ffprobe_path() is None
    assert duration_command(Path("x.mp4"))[1:] == ["-hide_banner", "-i", "x.mp4"]


@pytest.mark.parametrize("without_ffprobe", [False, True])
def test_probe_duration_with_and_without_ffprobe(
    sample_clips: dict[str, Path], monkeypatch, without_ffprobe: bool
) -> None:
    if without_ffprobe:
        monkeypatch.setenv("PATH", "")
    elif shutil.which("ffprobe") is None:
        pytest.skip("no ffprobe on PATH")
    assert probe_duration(sample_clips["testsrc.mp4"]) == pytest.approx(4.0, abs=0.05)
    assert probe_duration(sample_clips["smptebars.mp4"]) == pytest.approx(3.0, abs=0.05)


def test_parsers() -> None:
    assert parse_duration("4.023000\n") == pytest.approx(4.023)
    header = "Input #0, mov,mp4\n  Duration: 01:02:03.50, start: 0.000000, bitrate: 208 kb/s"
    assert parse_duration(header) == pytest.approx(3723.5)
    assert parse_duration("N/A") is None
    assert parse_version("ffmpeg version 7.1.1-1+b1 Copyright (c)") == "7.1.1-1+b1"
    assert parse_version("nonsense") is None


def test_broken_media_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(FFmpegError, match="ffmpeg exited with"):
        verify_playable(broken)
    assert probe_duration(broken) is None
    with pytest.raises(FFmpegError):
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"])
