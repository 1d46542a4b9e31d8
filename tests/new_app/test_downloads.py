"""The downloads seam of the async app: POST /api/videos/<id>/download records the queued
row exactly as the legacy app does and hands its id to the app's job queue; the
in-process queue then runs yt-dlp (in a worker thread) against the simulated media host
to the end. Cancel stops a running attempt and removes its partial files; the rows are
the same protocol the legacy app speaks."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Download, DownloadStatus, Video, VideoStatus
from shared_models.tools import verify_playable
from tests.new_app.conftest import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def wanted_video(engine: Engine) -> tuple[int, str]:
    """A video without a file, and its artist's folder."""
    with Session(engine) as db:
        video = db.scalars(
            select(Video).where(Video.local_path.is_(None)).order_by(Video.id)
        ).first()
        assert video is not None
        artist = db.get(Artist, video.artist_id)
        assert artist is not None and artist.folder_path
        return video.id, artist.folder_path


async def finished_download(client: httpx.AsyncClient, download_id: int) -> dict:
    """Poll the history until the download has ended (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        history = (await client.get("/api/downloads/history?per_page=200")).json()
        for download in history["downloads"]:
            if download["id"] == download_id:
                return download
        await asyncio.sleep(0.2)
    raise AssertionError(f"download {download_id} did not end within 60 s")


async def download_status(client: httpx.AsyncClient, download_id: int) -> str | None:
    queue = (await client.get("/api/downloads/queue")).json()["downloads"]
    return next((d["status"] for d in queue if d["id"] == download_id), None)


async def test_a_queued_download_runs_to_the_file_on_disk(
    client: httpx.AsyncClient, library: Engine, media_root: Path, upstreams: UpstreamURLs
) -> None:
    video_id, folder = wanted_video(library)
    url = upstreams.video_url_template.format(youtube_id="newappclip")
    response = await client.post(
        f"/api/videos/{video_id}/download", json={"url": url, "priority": 7}
    )
    assert response.status_code == 202
    body = response.json()
    assert body["message"] == "Download queued"
    queued = body["download"]
    assert (queued["status"], queued["priority"], queued["url"]) == ("queued", 7, url)
    assert (queued["attempts"], queued["job_id"]) == (0, f"download:{queued['id']}")
    assert (await client.get(f"/api/videos/{video_id}")).json()["status"] == "DOWNLOADING"

    download = await finished_download(client, queued["id"])
    assert download["status"] == "completed", download["error_message"]
    assert (download["progress"], download["attempts"]) == (100.0, 1)
    video = (await client.get(f"/api/videos/{video_id}")).json()
    assert video["status"] == "DOWNLOADED"
    assert video["local_path"] == download["file_path"]
    assert download["file_path"].startswith(f"{folder}/")
    file = media_root / download["file_path"]
    assert file.stat().st_size == download["file_size"] > 0
    verify_playable(file)
    assert not list(file.parent.glob("*.part"))
    assert video["duration"] > 0
    stream = await client.get(f"/api/videos/{video_id}/stream", headers={"Range": "bytes=0-99"})
    assert stream.status_code == 206


async def test_a_second_click_queues_nothing(
    client: httpx.AsyncClient, library: Engine, upstreams: UpstreamURLs
) -> None:
    video_id, _ = wanted_video(library)
    slow = f"{upstreams.root}/media/slow/secondclick.mp4?bytes_per_second=2000"
    first = await client.post(f"/api/videos/{video_id}/download", json={"url": slow})
    second = await client.post(f"/api/videos/{video_id}/download", json={"url": slow})
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["message"] == "Download already queued"
    assert second.json()["download"]["id"] == first.json()["download"]["id"]
    with Session(library) as db:
        live = db.scalars(
            select(Download).where(
                Download.video_id == video_id, Download.status.in_(DownloadStatus.active())
            )
        ).all()
        assert [row.id for row in live] == [first.json()["download"]["id"]]
    await client.post(f"/api/downloads/{first.json()['download']['id']}/cancel")


async def test_cancel_stops_the_running_attempt_and_retry_runs_it_again(
    client: httpx.AsyncClient, library: Engine, media_root: Path, upstreams: UpstreamURLs
) -> None:
    video_id, folder = wanted_video(library)
    crawl = f"{upstreams.root}/media/slow/crawl.mp4?bytes_per_second=2000"
    queued = (await client.post(f"/api/videos/{video_id}/download", json={"url": crawl})).json()
    download_id = queued["download"]["id"]

    deadline = time.monotonic() + 30
    while await download_status(client, download_id) != "downloading":
        assert time.monotonic() < deadline, "the download never started"
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # let yt-dlp write part of the file

    cancelled = await client.post(f"/api/downloads/{download_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["download"]["status"] == "cancelled"
    assert (await client.get(f"/api/videos/{video_id}")).json()["status"] == "WANTED"
    again = await client.post(f"/api/downloads/{download_id}/cancel")
    assert (again.status_code, again.json()) == (
        409,
        {"error": "Only queued or downloading downloads can be cancelled"},
    )

    # The attempt notices, stops, and removes what it wrote; the row stays cancelled.
    folder_path = media_root / folder
    assert await wait_until(lambda: not any(folder_path.glob("*.part")), seconds=20)
    await asyncio.sleep(1.0)
    with Session(library) as db:
        row = db.get(Download, download_id)
        assert row is not None and row.status is DownloadStatus.CANCELLED
        video = db.get(Video, video_id)
        assert video is not None and video.status is VideoStatus.WANTED

    retried = await client.post(f"/api/downloads/{download_id}/retry")
    assert retried.status_code == 200
    assert retried.json()["download"]["status"] == "queued"
    await client.post(f"/api/downloads/{download_id}/cancel")


async def test_an_unreachable_url_ends_failed_with_its_reason(
    client: httpx.AsyncClient, library: Engine, upstreams: UpstreamURLs
) -> None:
    video_id, _ = wanted_video(library)
    url = f"{upstreams.root}/media/status/404"
    queued = (await client.post(f"/api/videos/{video_id}/download", json={"url": url})).json()
    download = await finished_download(client, queued["download"]["id"])
    assert download["status"] == "failed"
    assert "404" in download["error_message"]
    assert (await client.get(f"/api/videos/{video_id}")).json()["status"] == "FAILED"
