"""GET /api/videos/<id>/stream on the async app: files with Range (206, the right bytes,
416), conditional requests and HEAD; mkv/avi as a live fragmented-MP4 stream from an
asyncio ffmpeg process that dies with its client; the bound on live transcodes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from shared_models.models import Video
from shared_models.tools import ffmpeg_path, run_ffmpeg
from tests.new_app.conftest import wait_until

pytestmark = pytest.mark.timeout(120)


def make_avi(path: Path, seconds: int, size: str) -> Path:
    """MPEG-4 Part 2 + PCM in AVI: neither codec is copied into MP4, so it is transcoded."""
    run_ffmpeg([
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "mpeg4", "-q:v", "5", "-c:a", "pcm_s16le", "-shortest", str(path),
    ])  # fmt: skip
    return path


@pytest.fixture(scope="module")
def long_avi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Long enough that transcoding it keeps ffmpeg busy for many seconds."""
    return make_avi(tmp_path_factory.mktemp("avi") / "long.avi", 40, "640x360")


def place(engine: Engine, media_root: Path, source: Path, relative: str) -> int:
    """Copy `source` to `relative` under the media root and point a video at it: its id."""
    target = media_root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    with Session(engine) as db:
        video_id = db.scalars(select(Video.id).order_by(Video.id)).first()
        db.execute(update(Video).where(Video.id == video_id).values(local_path=relative))
        db.commit()
    assert video_id is not None
    return video_id


def ffmpeg_reading(path: Path) -> list[psutil.Process]:
    """Live ffmpeg processes (children of this test process) whose command names `path`."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if str(path) in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def decodes(data: bytes) -> subprocess.CompletedProcess[bytes]:
    """ffmpeg reads `data` from stdin as MP4 and decodes every frame."""
    command = [ffmpeg_path(), "-hide_banner", "-v", "error", "-xerror", "-f", "mp4", "-i", "-",
               "-f", "null", "-"]  # fmt: skip
    return subprocess.run(command, input=data, capture_output=True, timeout=120, check=False)


async def test_mp4_is_served_with_byte_ranges(
    client: httpx.AsyncClient, library: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    video_id = place(library, media_root, sample_clips["testsrc.mp4"], "Some Band/clip.mp4")
    content = sample_clips["testsrc.mp4"].read_bytes()
    url = f"/api/videos/{video_id}/stream"

    whole = await client.get(url)
    assert (whole.status_code, whole.headers["content-type"]) == (200, "video/mp4")
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.content == content
    assert whole.headers["content-length"] == str(len(content))

    part = await client.get(url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1123/{len(content)}"
    assert part.content == content[100:1124]
    tail = await client.get(url, headers={"Range": "bytes=-500"})
    assert (tail.status_code, tail.content) == (206, content[-500:])
    rest = await client.get(url, headers={"Range": f"bytes={len(content) - 10}-"})
    assert (rest.status_code, rest.content) == (206, content[-10:])

    for unsatisfiable in (f"bytes={len(content) + 10}-", "bytes=0-9,20-29", "bytes=9-3", "x"):
        refused = await client.get(url, headers={"Range": unsatisfiable})
        assert refused.status_code == 416, unsatisfiable
        assert refused.json() == {"error": "Requested Range Not Satisfiable"}
        assert refused.headers["content-range"] == f"bytes */{len(content)}"


async def test_conditional_requests_and_head(
    client: httpx.AsyncClient, library: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    video_id = place(library, media_root, sample_clips["testsrc.mp4"], "Some Band/clip.mp4")
    url = f"/api/videos/{video_id}/stream"
    first = await client.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"

    unchanged = await client.get(url, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    stale = await client.get(url, headers={"If-Range": '"other"', "Range": "bytes=0-9"})
    assert stale.status_code == 200  # the range named another version: the whole file

    head = await client.head(url)
    assert head.status_code == 200
    assert head.headers["content-length"] == first.headers["content-length"]
    assert head.content == b""


async def test_webm_keeps_its_type(
    client: httpx.AsyncClient, library: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    video_id = place(library, media_root, sample_clips["rgbtestsrc.webm"], "b/clip.webm")
    response = await client.get(f"/api/videos/{video_id}/stream")
    assert (response.status_code, response.headers["content-type"]) == (200, "video/webm")


async def test_mkv_becomes_playable_fragmented_mp4(
    client: httpx.AsyncClient, library: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    video_id = place(library, media_root, sample_clips["testsrc2.mkv"], "b/clip.mkv")
    # A Range does not apply to a live stream: the whole stream, 200.
    response = await client.get(f"/api/videos/{video_id}/stream", headers={"Range": "bytes=0-9"})
    assert (response.status_code, response.headers["content-type"]) == (200, "video/mp4")
    assert "content-length" not in response.headers
    data = response.content
    assert data[4:8] == b"ftyp"
    assert b"moof" in data  # fragments, not one moov at the end
    result = decodes(data)
    assert result.returncode == 0, result.stderr.decode()
    assert ffmpeg_reading(media_root / "b/clip.mkv") == []


@pytest.mark.parametrize("local_path", ["../secret.mp4", "/etc/hostname", "x/../../secret.mp4"])
async def test_paths_outside_the_media_root_are_refused(
    client: httpx.AsyncClient, library: Engine, media_root: Path, local_path: str
) -> None:
    (media_root.parent / "secret.mp4").write_bytes(b"secret")
    with Session(library) as db:
        video = db.scalars(select(Video).order_by(Video.id)).first()
        assert video is not None
        video.local_path = local_path
        db.commit()
        video_id = video.id
    response = await client.get(f"/api/videos/{video_id}/stream")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "File path is outside the media root"},
    )


@pytest.mark.slow
async def test_ffmpeg_dies_within_two_seconds_of_the_client_hanging_up(
    served, library: Engine, media_root: Path, long_avi: Path
) -> None:
    base_url = served()
    video_id = place(library, media_root, long_avi, "b/long.avi")
    file = media_root / "b/long.avi"
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=60) as http,
        http.stream("GET", f"/api/videos/{video_id}/stream") as response,
    ):
        assert response.status_code == 200
        # Keep the iterator referenced: a discarded one would hang up by itself.
        chunks = response.aiter_raw()
        assert await anext(chunks)
        assert len(ffmpeg_reading(file)) == 1
    # Leaving the block closed the connection mid-stream.
    assert await wait_until(lambda: ffmpeg_reading(file) == [], seconds=2.0)


@pytest.mark.slow
async def test_live_transcodes_are_bounded(
    served, library: Engine, media_root: Path, long_avi: Path
) -> None:
    base_url = served(max_concurrent_transcodes=1)
    video_id = place(library, media_root, long_avi, "b/long.avi")
    url = f"/api/videos/{video_id}/stream"
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        async with http.stream("GET", url) as first:
            assert first.status_code == 200
            # Keep the iterator referenced: a discarded one would hang up by itself.
            first_chunks = first.aiter_raw()
            assert await anext(first_chunks)
            busy = await http.get(url)
            assert (busy.status_code, busy.json()) == (
                503,
                {"error": "Too many live transcodes, try again later"},
            )
            assert int(busy.headers["retry-after"]) > 0
        # The first client left: its slot is free again once its ffmpeg is gone.
        assert await wait_until(lambda: ffmpeg_reading(media_root / "b/long.avi") == [], 2.0)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=60) as http,
        http.stream("GET", url) as again,
    ):
        assert again.status_code == 200
