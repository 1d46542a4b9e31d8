"""Downloads that really run: yt-dlp in the app's download thread against the simulated
media host, ending with the file on disk and the rows updated (SQLite and MariaDB)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from legacy_flask.services.download_queue import queue_download
from legacy_flask.services.downloader import INTERRUPTED
from shared_models.demo.clips import clip_for
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Download, DownloadStatus, Video, VideoStatus
from shared_models.tools import verify_playable
from tests.legacy.conftest import AppFactory, runtime
from tests.legacy.support import Library, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def app(make_app: AppFactory, upstream_settings: dict[str, object]) -> Flask:
    return make_app(**upstream_settings)


def download_row(engine: Engine, download_id: int) -> Download:
    with Session(engine, expire_on_commit=False) as db:
        download = db.get(Download, download_id)
        assert download is not None
        return download


def finished(engine: Engine, download_id: int) -> Download | None:
    download = download_row(engine, download_id)
    return download if download.status not in DownloadStatus.active() else None


def video_row(engine: Engine, video_id: int) -> Video:
    with Session(engine, expire_on_commit=False) as db:
        video = db.get(Video, video_id)
        assert video is not None
        return video


def test_download_completes_with_the_file_on_disk(
    app: Flask,
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    video_id = library.videos["chorus"]  # artist "Beta Singer", folder_path "beta"
    url = upstreams.video_url_template.format(youtube_id="chorusclip")
    response = client.post(f"/api/videos/{video_id}/download", json={"url": url, "priority": 7})
    assert response.status_code == 202
    body = response.get_json()
    assert body["message"] == "Download queued"
    queued = body["download"]
    assert (queued["status"], queued["priority"], queued["url"]) == ("queued", 7, url)
    assert (queued["video_title"], queued["artist_name"]) == ("Chorus", "Beta Singer")

    download = wait_for(lambda: finished(db_engine, queued["id"]))
    assert download.status is DownloadStatus.COMPLETED, download.error_message
    assert download.progress == 100.0
    assert download.file_path == "beta/Chorus.mp4"
    assert download.attempts == 1
    assert download.started_at is not None and download.completed_at is not None
    file = media_root / "beta" / "Chorus.mp4"
    assert file.stat().st_size == download.file_size > 0
    verify_playable(file)
    assert not list(file.parent.glob("*.part"))

    video = video_row(db_engine, video_id)
    assert video.status is VideoStatus.DOWNLOADED
    assert video.local_path == "beta/Chorus.mp4"
    clip = clip_for("chorusclip", "mp4")
    assert clip is not None
    assert video.duration == pytest.approx(clip.duration, abs=0.2)
    history = client.get("/api/downloads/history").get_json()
    assert [d["id"] for d in history["downloads"]] == [queued["id"]]
    # The downloaded file streams straight away.
    assert client.get(f"/api/videos/{video_id}/stream").status_code == 200


def test_default_url_comes_from_the_video(
    app: Flask, client: FlaskClient, library: Library, db_engine: Engine, media_root: Path
) -> None:
    """No body: the video's youtube_id through VIDEO_URL_TEMPLATE (the simulator here);
    the artist has no folder_path, so the folder is its sanitized name."""
    video_id = library.videos["anthem"]
    response = client.post(f"/api/videos/{video_id}/download")
    assert response.status_code == 202
    download = wait_for(lambda: finished(db_engine, response.get_json()["download"]["id"]))
    assert download.status is DownloadStatus.COMPLETED, download.error_message
    assert (media_root / "Alpha Band" / "Anthem.mp4").is_file()


def test_a_second_click_does_not_download_twice(
    app: Flask, client: FlaskClient, library: Library, db_engine: Engine, upstreams: UpstreamURLs
) -> None:
    video_id = library.videos["ballad"]
    slow = f"{upstreams.root}/media/slow/ballad.mp4?bytes_per_second=20000"
    first = client.post(f"/api/videos/{video_id}/download", json={"url": slow})
    second = client.post(f"/api/videos/{video_id}/download", json={"url": slow})
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.get_json()["message"] == "Download already queued"
    assert second.get_json()["download"]["id"] == first.get_json()["download"]["id"]
    client.post(f"/api/downloads/{first.get_json()['download']['id']}/cancel")


@pytest.mark.parametrize("status", [404, 500])
def test_failing_download_ends_failed_with_its_reason(
    app: Flask,
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
    status: int,
) -> None:
    video_id = library.videos["chorus"]
    url = f"{upstreams.root}/media/status/{status}"
    response = client.post(f"/api/videos/{video_id}/download", json={"url": url})
    assert response.status_code == 202
    download = wait_for(lambda: finished(db_engine, response.get_json()["download"]["id"]))
    assert download.status is DownloadStatus.FAILED
    assert f"HTTP Error {status}" in download.error_message
    assert download.completed_at is not None
    assert video_row(db_engine, video_id).status is VideoStatus.FAILED
    assert not any(path.is_file() for path in media_root.rglob("*"))

    # A failed download can be retried; this time from a working URL.
    with Session(db_engine) as db:
        db.get(Download, download.id).url = f"{upstreams.root}/media/watch/retried.mp4"
        db.commit()
    retried = client.post(f"/api/downloads/{download.id}/retry")
    assert retried.status_code == 200
    assert retried.get_json()["download"]["status"] == "queued"
    again = wait_for(lambda: finished(db_engine, download.id))
    assert again.status is DownloadStatus.COMPLETED, again.error_message
    assert (again.attempts, again.error_message) == (2, None)
    assert video_row(db_engine, video_id).status is VideoStatus.DOWNLOADED


def test_cancel_stops_the_download_and_removes_partial_files(
    app: Flask,
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    video_id = library.videos["finale"]
    # About 10 KB/s: the download runs for many seconds unless cancelled.
    url = f"{upstreams.root}/media/slow/finale.mp4?bytes_per_second=10000"
    response = client.post(f"/api/videos/{video_id}/download", json={"url": url})
    download_id = response.get_json()["download"]["id"]
    target = media_root / "beta"
    # Wait until bytes are on disk and progress was written: it is really running.
    wait_for(lambda: download_row(db_engine, download_id).progress > 0)
    assert any(target.glob("Finale.mp4*"))

    cancelled = client.post(f"/api/downloads/{download_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.get_json()["message"] == "Download cancelled"
    assert cancelled.get_json()["download"]["status"] == "cancelled"
    assert runtime(app).downloads.wait(timeout=30)
    assert list(target.glob("Finale*")) == []
    assert download_row(db_engine, download_id).status is DownloadStatus.CANCELLED
    assert video_row(db_engine, video_id).status is VideoStatus.WANTED
    again = client.post(f"/api/downloads/{download_id}/cancel")
    assert again.status_code == 409


def test_cancel_from_elsewhere_is_noticed_by_the_running_thread(
    app: Flask,
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    """Another process (the other app, a worker) marks the row: the thread stops at its
    next progress write and cleans up, without the in-process cancel flag."""
    url = f"{upstreams.root}/media/slow/elsewhere.mp4?bytes_per_second=10000"
    response = client.post(f"/api/videos/{library.videos['finale']}/download", json={"url": url})
    download_id = response.get_json()["download"]["id"]
    wait_for(lambda: download_row(db_engine, download_id).progress > 0)
    with Session(db_engine) as db:
        db.get(Download, download_id).status = DownloadStatus.CANCELLED
        db.commit()
    assert runtime(app).downloads.wait(timeout=30)
    assert list((media_root / "beta").glob("Finale*")) == []
    assert download_row(db_engine, download_id).status is DownloadStatus.CANCELLED


def test_shutdown_leaves_no_download_running(
    app: Flask,
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    """Stopping the app stops its download threads; their rows end `failed` with a reason
    (retryable) instead of claiming to be `downloading` forever."""
    url = f"{upstreams.root}/media/slow/stopping.mp4?bytes_per_second=10000"
    response = client.post(f"/api/videos/{library.videos['finale']}/download", json={"url": url})
    download_id = response.get_json()["download"]["id"]
    wait_for(lambda: download_row(db_engine, download_id).progress > 0)
    assert runtime(app).downloads.shutdown(timeout=30)
    download = download_row(db_engine, download_id)
    assert download.status is DownloadStatus.FAILED
    assert download.error_message == INTERRUPTED
    assert list((media_root / "beta").glob("Finale*")) == []
    assert video_row(db_engine, library.videos["finale"]).status is VideoStatus.FAILED


def test_process_exit_leaves_no_download_running(
    library: Library, db_engine: Engine, database_url: str, tmp_path: Path,
    media_root: Path, upstreams: UpstreamURLs,
) -> None:  # fmt: skip
    """A server process that exits mid-download (here: a script that starts one and ends)
    marks the row `failed`, not `downloading` forever."""
    script = tmp_path / "exit_mid_download.py"
    script.write_text(
        textwrap.dedent(f"""
            import time
            from sqlalchemy.orm import Session
            from legacy_flask import create_app
            from shared_models.models import Download
            from shared_models.settings import Settings

            app = create_app(Settings(
                database_url={database_url!r}, data_dir={str(tmp_path / "data")!r},
                media_root={str(media_root)!r}, secret_key="s",
                allow_private_download_hosts=True,
            ))
            url = {upstreams.root!r} + "/media/slow/exiting.mp4?bytes_per_second=10000"
            client = app.test_client()
            response = client.post("/api/videos/{library.videos["finale"]}/download",
                                   json={{"url": url}})
            download_id = response.get_json()["download"]["id"]
            factory = app.extensions["mvidarr"].session_factory
            while True:
                with factory() as db:
                    if db.get(Download, download_id).progress > 0:
                        break
                time.sleep(0.1)
            print(download_id)
        """)
    )
    finished = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    download = download_row(db_engine, int(finished.stdout.strip()))
    assert (download.status, download.error_message) == (DownloadStatus.FAILED, INTERRUPTED)
    assert list((media_root / "beta").glob("Finale*")) == []


def test_a_download_that_reaches_a_private_address_is_refused_at_connect_time(
    make_app: AppFactory,
    upstream_settings: dict[str, object],
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    """A queued URL that connects to loopback (as after a redirect, an embedded video URL
    or a changed DNS answer: the API's own check is bypassed here) fails with the reason."""
    app = make_app(**upstream_settings | {"allow_private_download_hosts": False})
    with Session(db_engine, expire_on_commit=False) as db:
        video = db.get(Video, library.videos["chorus"])
        download = queue_download(db, video, f"{upstreams.root}/media/watch/inside.mp4", None)
        db.commit()
    runtime(app).downloads.start(download.id)
    failed = wait_for(lambda: finished(db_engine, download.id))
    assert failed.status is DownloadStatus.FAILED
    assert failed.error_message == (
        "Downloads from private or loopback hosts are not allowed (127.0.0.1)"
    )
    assert not any(path.is_file() for path in media_root.rglob("*.mp4"))
