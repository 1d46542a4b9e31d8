"""With REDIS_URL unset the async app runs the same job functions itself (`make run` on one
machine): downloads end to end with events from memory over /ws/jobs, at most
MAX_CONCURRENT_JOBS at once, most urgent first, and a shutdown leaves no download running."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from new_app import create_app
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.tools import verify_playable
from tests.conftest import empty_all_tables, engine_for
from tests.jobs.conftest import (
    download_row,
    finished,
    job_events,
    partial_files,
    seed_small_library,
    until,
    video_row,
    wanted_videos,
)
from tests.new_app.conftest import client_for, running

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def local_library(
    db_engine: Engine, media_root: Path, upstreams: UpstreamURLs, sample_clips: dict[str, Path]
) -> Engine:
    """The small library on the parametrized database (SQLite and MariaDB)."""
    return seed_small_library(
        db_engine, media_root, upstreams, next(iter(sample_clips.values())).parent
    )


@pytest.fixture
def local_settings(make_settings, database_url: str, upstream_settings: dict):
    def build(**overrides: object):
        return make_settings(
            database_url=database_url, redis_url=None, **upstream_settings, **overrides
        )

    return build


def crawl(upstreams: UpstreamURLs, key: str, bytes_per_second: int = 20_000) -> str:
    return f"{upstreams.root}/media/slow/{key}.mp4?bytes_per_second={bytes_per_second}"


async def test_a_download_runs_in_the_app_with_events_from_memory(
    serve_app, local_settings, local_library: Engine, upstreams: UpstreamURLs, media_root: Path
) -> None:
    (video_id,) = wanted_videos(local_library, 1, without_picture=True)
    base_url = serve_app(local_settings())
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as api,
        job_events(base_url) as events,
    ):
        answer = await api.post(
            f"/api/videos/{video_id}/download", json={"url": crawl(upstreams, "in-process", 60_000)}
        )
        assert answer.status_code == 202
        download_id = answer.json()["download"]["id"]
        row = await finished(local_library, download_id)
        await until(lambda: "completed" in events.statuses(download_id), 5, "completed event")

    assert events.hello["source"] == "memory"
    assert (row.status, row.attempts) == ("completed", 1)
    verify_playable(media_root / str(row.file_path))
    video = video_row(local_library, video_id)
    assert video.status == "DOWNLOADED" and video.thumbnail_path
    assert (media_root / video.thumbnail_path).is_file()
    statuses = events.statuses(download_id)
    assert statuses[0] == "queued" and statuses[-1] == "completed"
    assert any(0 < e["progress"] < 100 for e in events.of(download_id))
    assert partial_files(media_root) == []


async def test_jobs_wait_for_a_free_slot_and_the_most_urgent_goes_first(
    serve_app,
    make_settings,
    upstream_settings: dict,
    sqlite_database_url: str,
    media_root: Path,
    upstreams: UpstreamURLs,
    sample_clips: dict[str, Path],
) -> None:
    """The scheduling is the app's own, whatever the database: run on SQLite only."""
    empty_all_tables(sqlite_database_url)
    local_library = seed_small_library(
        engine_for(sqlite_database_url),
        media_root,
        upstreams,
        next(iter(sample_clips.values())).parent,
    )
    first, low, high, dropped = wanted_videos(local_library, 4)
    settings = make_settings(
        database_url=sqlite_database_url, redis_url=None, max_concurrent_jobs=1, **upstream_settings
    )
    base_url = serve_app(settings)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as api,
        job_events(base_url) as events,
    ):

        async def queue(video_id: int, **body: object) -> int:
            answer = await api.post(f"/api/videos/{video_id}/download", json=body)
            return answer.json()["download"]["id"]

        running_id = await queue(first, url=crawl(upstreams, "slot-holder", 30_000))
        await until(
            lambda: download_row(local_library, running_id).status == "downloading", 10, "start"
        )
        low_id = await queue(low, priority=2)
        high_id = await queue(high, priority=9)
        dropped_id = await queue(dropped, priority=10)
        await asyncio.sleep(0.5)
        # One slot: the others wait, whatever their priority.
        assert [download_row(local_library, i).status for i in (low_id, high_id, dropped_id)] == [
            "queued"
        ] * 3
        cancelled = await api.post(f"/api/downloads/{dropped_id}/cancel")
        assert cancelled.status_code == 200
        rows = [await finished(local_library, i) for i in (running_id, low_id, high_id)]

    assert [row.status for row in rows] == ["completed"] * 3
    started = [e["download_id"] for e in events.events if e.get("status") == "downloading"]
    assert list(dict.fromkeys(started)) == [running_id, high_id, low_id]
    never_ran = download_row(local_library, dropped_id)
    assert (never_ran.status, never_ran.attempts) == ("cancelled", 0)


async def test_a_shutdown_ends_running_downloads_as_interrupted(
    local_settings, local_library: Engine, upstreams: UpstreamURLs, media_root: Path
) -> None:
    (video_id,) = wanted_videos(local_library, 1)
    app = create_app(local_settings())
    async with running(app), client_for(app) as api:
        answer = await api.post(
            f"/api/videos/{video_id}/download", json={"url": crawl(upstreams, "shutdown", 4_000)}
        )
        download_id = answer.json()["download"]["id"]
        await until(lambda: download_row(local_library, download_id).progress > 0, 30, "under way")
    row = download_row(local_library, download_id)
    assert (row.status, row.error_message) == (
        "failed",
        "Download interrupted (the server stopped); retry it",
    )
    assert video_row(local_library, video_id).status == "FAILED"
    assert partial_files(media_root) == []
