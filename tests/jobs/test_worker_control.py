"""Controlling running and waiting downloads on the worker pool: a cancel (from the async
app or from the legacy app) kills the worker's yt-dlp and removes what it wrote; a retry
runs it again; priorities decide which waiting download a worker takes next."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from flask import Flask
from sqlalchemy import Engine

import legacy_flask
from legacy_flask.runtime import EXTENSION_KEY
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.settings import Settings
from tests.jobs.conftest import (
    Workers,
    download_row,
    finished,
    job_events,
    partial_files,
    until,
    video_row,
    wanted_videos,
)

pytestmark = [pytest.mark.redis, pytest.mark.mariadb, pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def legacy_app(job_settings: Settings) -> Iterator[Flask]:
    """The legacy Flask app on the same database: it cancels rows, it runs nothing here."""
    app = legacy_flask.create_app(job_settings)
    yield app
    app.extensions[EXTENSION_KEY].close(timeout=10)


async def start_crawling_download(
    api: httpx.AsyncClient, engine: Engine, video_id: int, upstreams: UpstreamURLs, key: str
) -> int:
    """A download trickling at 4 kB/s, under way (bytes on disk) when this returns."""
    url = f"{upstreams.root}/media/slow/{key}.mp4?bytes_per_second=4000"
    answer = await api.post(f"/api/videos/{video_id}/download", json={"url": url})
    download_id = answer.json()["download"]["id"]
    await until(lambda: download_row(engine, download_id).progress > 0, 30, "download under way")
    return download_id


def slow_stats(upstreams_url: str) -> dict[str, int]:
    return httpx.get(f"{upstreams_url}/_sim/stats").json()["slow"]


def exited(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("cancelled_by", ["new", "legacy"])
async def test_cancel_kills_the_running_download_and_retry_runs_it_again(
    api: httpx.AsyncClient,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
    upstreams_url: str,
    media_root: Path,
    legacy_app: Flask,
    cancelled_by: str,
) -> None:
    (video_id,) = wanted_videos(library, 1)
    worker = workers.start()
    download_id = await start_crawling_download(
        api, library, video_id, upstreams, f"cancel-{cancelled_by}"
    )
    (fetcher,) = worker.fetchers()
    staged = media_root / ".incoming" / f"download-{download_id}-1"
    assert any(staged.iterdir())
    aborted_before = slow_stats(upstreams_url)["aborted"]

    if cancelled_by == "new":
        answer = await api.post(f"/api/downloads/{download_id}/cancel")
        status, body = answer.status_code, answer.json()
    else:
        legacy_answer = legacy_app.test_client().post(f"/api/downloads/{download_id}/cancel")
        status, body = legacy_answer.status_code, legacy_answer.get_json()
    assert (status, body["download"]["status"]) == (200, "cancelled")

    # The worker sees the row, kills yt-dlp (the upstream sees the client hang up) and
    # removes the staged bytes; the row stays cancelled, the video WANTED.
    await until(lambda: not worker.fetchers(), 10, "yt-dlp killed")
    # (An exiting process loses its command line a moment before it is a zombie.)
    await until(lambda: exited(fetcher), 10, "yt-dlp process gone")
    await until(lambda: not staged.exists(), 10, "staged files removed")
    await until(lambda: slow_stats(upstreams_url)["aborted"] > aborted_before, 10, "hang-up")
    assert partial_files(media_root) == []
    row = download_row(library, download_id)
    assert (row.status, row.attempts) == ("cancelled", 1)
    assert video_row(library, video_id).status == "WANTED"
    assert worker.process.poll() is None  # the worker itself carries on

    retried = await api.post(f"/api/downloads/{download_id}/retry")
    assert (retried.status_code, retried.json()["download"]["status"]) == (200, "queued")
    await until(lambda: download_row(library, download_id).attempts == 2, 30, "second attempt")
    await api.post(f"/api/downloads/{download_id}/cancel")
    await until(lambda: not worker.fetchers(), 10, "second attempt stopped")
    await until(lambda: partial_files(media_root) == [], 10, "second attempt's files removed")


async def test_waiting_downloads_are_taken_most_urgent_first(
    api: httpx.AsyncClient, app_url: str, library: Engine, workers: Workers
) -> None:
    video_ids = wanted_videos(library, 3)
    download_ids = []
    for video_id, priority in zip(video_ids, (2, 9, 5), strict=True):
        answer = await api.post(f"/api/videos/{video_id}/download", json={"priority": priority})
        download_ids.append(answer.json()["download"]["id"])
    low, high, promoted = download_ids
    # Moved up while it waits: it goes first.
    changed = await api.put(f"/api/downloads/{promoted}/priority", json={"priority": 10})
    assert changed.json()["priority"] == 10

    async with job_events(app_url) as events:
        workers.start("--max-jobs", "1")
        rows = [await finished(library, download_id) for download_id in download_ids]
    assert {row.status for row in rows} == {"completed"}
    # One worker, one job at a time: the order it claimed them in is the order of events.
    started = [e["download_id"] for e in events.events if e.get("status") == "downloading"]
    assert list(dict.fromkeys(started)) == [promoted, high, low]
