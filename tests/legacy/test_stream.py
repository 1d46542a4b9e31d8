"""/api/videos/<id>/stream: files with Range, live ffmpeg remux/transcode to fragmented MP4,
the ffmpeg process's lifetime, and paths that must not leave the media root."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from shared_models.models import Video
from shared_models.tools import ffmpeg_path, run_ffmpeg
from tests.legacy.support import Library, wait_for


def make_avi(path: Path, seconds: int, size: str) -> Path:
    """MPEG-4 Part 2 + PCM in AVI: neither codec is copied into MP4, so it is transcoded."""
    run_ffmpeg([
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "mpeg4", "-q:v", "5", "-c:a", "pcm_s16le", "-shortest", str(path),
    ])  # fmt: skip
    return path


@pytest.fixture(scope="module")
def short_avi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_avi(tmp_path_factory.mktemp("avi") / "short.avi", 2, "320x180")


@pytest.fixture(scope="module")
def long_avi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Long enough that transcoding it keeps ffmpeg busy for many seconds."""
    return make_avi(tmp_path_factory.mktemp("avi") / "long.avi", 40, "640x360")


def place(media_root: Path, source: Path, relative: str) -> Path:
    target = media_root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def set_local_path(engine: Engine, video_id: int, local_path: str | None) -> None:
    with Session(engine) as db:
        db.get(Video, video_id).local_path = local_path
        db.commit()


def ffmpeg_children_reading(path: Path) -> list[psutil.Process]:
    """This process's ffmpeg children whose command line names `path`."""
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
    return subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-v", "error", "-xerror", "-f", "mp4", "-i", "-",
         "-f", "null", "-"],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )  # fmt: skip


def test_mp4_is_served_with_ranges(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    sample_clips: dict[str, Path],
) -> None:
    file = place(media_root, sample_clips["testsrc.mp4"], "Alpha Band/Anthem.mp4")
    set_local_path(db_engine, library.videos["anthem"], "Alpha Band/Anthem.mp4")
    url = f"/api/videos/{library.videos['anthem']}/stream"
    content = file.read_bytes()

    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.mimetype == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == content

    part = client.get(url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1123/{len(content)}"
    assert part.data == content[100:1124]
    tail = client.get(url, headers={"Range": "bytes=-500"})
    assert (tail.status_code, tail.data) == (206, content[-500:])

    unsatisfiable = client.get(url, headers={"Range": f"bytes={len(content) + 10}-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["Content-Range"] == f"bytes */{len(content)}"
    assert unsatisfiable.get_json() == {"error": "Requested Range Not Satisfiable"}


def test_webm_keeps_its_type(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    sample_clips: dict[str, Path],
) -> None:
    place(media_root, sample_clips["rgbtestsrc.webm"], "beta/Chorus.webm")
    set_local_path(db_engine, library.videos["chorus"], "beta/Chorus.webm")
    response = client.get(f"/api/videos/{library.videos['chorus']}/stream")
    assert (response.status_code, response.mimetype) == (200, "video/webm")


def test_mkv_becomes_playable_fragmented_mp4(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    sample_clips: dict[str, Path],
) -> None:
    place(media_root, sample_clips["testsrc2.mkv"], "beta/Finale.mkv")
    set_local_path(db_engine, library.videos["finale"], "beta/Finale.mkv")
    # A Range header does not apply to a live stream: the whole stream, 200.
    response = client.get(
        f"/api/videos/{library.videos['finale']}/stream", headers={"Range": "bytes=0-10"}
    )
    assert response.status_code == 200
    assert response.mimetype == "video/mp4"
    assert "Content-Length" not in response.headers
    data = response.data
    assert data[4:8] == b"ftyp"
    assert b"moof" in data  # fragments, not one moov at the end
    result = decodes(data)
    assert result.returncode == 0, result.stderr.decode()


def test_avi_is_transcoded(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path, short_avi: Path
) -> None:
    place(media_root, short_avi, "beta/Echo.avi")
    set_local_path(db_engine, library.videos["echo"], "beta/Echo.avi")
    response = client.get(f"/api/videos/{library.videos['echo']}/stream")
    assert (response.status_code, response.mimetype) == (200, "video/mp4")
    assert b"moof" in response.data
    result = decodes(response.data)
    assert result.returncode == 0, result.stderr.decode()


def test_closing_the_response_kills_ffmpeg(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    sample_clips: dict[str, Path],
) -> None:
    file = place(media_root, sample_clips["testsrc2.mkv"], "beta/Finale.mkv")
    set_local_path(db_engine, library.videos["finale"], "beta/Finale.mkv")
    response = client.get(f"/api/videos/{library.videos['finale']}/stream", buffered=False)
    first_chunk = next(iter(response.response))
    assert first_chunk
    # ffmpeg has more to write than the pipe holds: it is alive, blocked on us.
    assert len(ffmpeg_children_reading(file)) == 1
    response.close()
    assert ffmpeg_children_reading(file) == []


@pytest.fixture
def served_app(app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server on a free port: Werkzeug's threaded WSGI server,
    which closes the response when writing to a departed client fails."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.mark.slow
def test_client_hanging_up_kills_ffmpeg(
    served_app: str,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    long_avi: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    file = place(media_root, long_avi, "beta/Echo.avi")
    set_local_path(db_engine, library.videos["echo"], "beta/Echo.avi")
    caplog.set_level(logging.INFO, logger="legacy_flask.services.live_transcode")
    with (
        httpx.Client(base_url=served_app, timeout=60) as http,
        http.stream("GET", f"/api/videos/{library.videos['echo']}/stream") as response,
    ):
        assert response.status_code == 200
        # Keep the iterator referenced: a discarded one would hang up by itself.
        chunks = response.iter_raw()
        assert next(chunks)
        assert len(ffmpeg_children_reading(file)) == 1
    # The connection is closed: the server's next write fails, it closes the response,
    # and ffmpeg is killed mid-stream (not left to transcode the whole file).
    wait_for(lambda: ffmpeg_children_reading(file) == [] or None, timeout=30)
    assert any("cut short" in record.getMessage() for record in caplog.records)


def test_too_many_live_transcodes_answer_503(
    make_app,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    sample_clips: dict[str, Path],
) -> None:
    client = make_app(max_concurrent_transcodes=1).test_client()
    place(media_root, sample_clips["testsrc2.mkv"], "beta/Finale.mkv")
    set_local_path(db_engine, library.videos["finale"], "beta/Finale.mkv")
    url = f"/api/videos/{library.videos['finale']}/stream"
    first = client.get(url, buffered=False)
    busy = client.get(url)
    assert (busy.status_code, busy.get_json()) == (
        503,
        {"error": "Too many live transcodes, try again later"},
    )
    first.close()  # frees the slot
    assert client.get(url).status_code == 200


def test_missing_files(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path
) -> None:
    url = f"/api/videos/{library.videos['anthem']}/stream"
    no_path = client.get(url)
    assert (no_path.status_code, no_path.get_json()) == (404, {"error": "Video file not found"})
    set_local_path(db_engine, library.videos["anthem"], "Alpha Band/gone.mp4")
    assert client.get(url).status_code == 404
    assert client.get("/api/videos/999999/stream").get_json() == {"error": "Video not found"}


@pytest.mark.parametrize("local_path", ["../secret.mp4", "/etc/hostname", "x/../../secret.mp4"])
def test_stream_never_leaves_the_media_root(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path, local_path: str
) -> None:
    (media_root.parent / "secret.mp4").write_bytes(b"secret")
    set_local_path(db_engine, library.videos["anthem"], local_path)
    response = client.get(f"/api/videos/{library.videos['anthem']}/stream")
    assert response.status_code == 400
    assert response.get_json() == {"error": "File path is outside the media root"}


def test_symlink_out_of_the_media_root_is_refused(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path
) -> None:
    secret = media_root.parent / "secret.mp4"
    secret.write_bytes(b"secret")
    (media_root / "link.mp4").symlink_to(secret)
    set_local_path(db_engine, library.videos["anthem"], "link.mp4")
    response = client.get(f"/api/videos/{library.videos['anthem']}/stream")
    assert response.status_code == 400
    assert b"secret" not in response.data
