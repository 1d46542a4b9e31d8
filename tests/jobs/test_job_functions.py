"""The job functions called directly, as plain `async def f(ctx, ...)`, with a `ctx` built
like the app builds it (real database, httpx client, in-process queue, events recorded):
transcode, thumbnails, metadata, a download's retry signal, and the sweeps."""

from __future__ import annotations

import shutil
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from arq.worker import Retry
from PIL import Image
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from new_app.jobs.download import download_video
from new_app.jobs.metadata import refresh_metadata
from new_app.jobs.sweeps import refresh_monitored_artists, sweep_downloads
from new_app.jobs.thumbnails import generate_thumbnails
from new_app.jobs.transcode import transcode_video
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Download, DownloadStatus, Video, utcnow
from shared_models.tools import verify_playable
from tests.conftest import empty_all_tables, engine_for
from tests.jobs.conftest import download_row, finished, seed_small_library, until, video_row
from tests.jobs.job_context import job_context

pytestmark = [pytest.mark.timeout(120)]


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def sqlite_library(
    sqlite_database_url: str, media_root: Path, upstreams: UpstreamURLs, sample_clips: dict
) -> Engine:
    empty_all_tables(sqlite_database_url)
    return seed_small_library(
        engine_for(sqlite_database_url),
        media_root,
        upstreams,
        next(iter(sample_clips.values())).parent,
    )


@pytest.fixture
def settings(make_settings, sqlite_database_url: str, upstream_settings: dict):
    return make_settings(database_url=sqlite_database_url, redis_url=None, **upstream_settings)


def give_file(engine: Engine, media_root: Path, source: Path, relative: str) -> int:
    """A video without a picture whose file is a copy of `source` at `relative`."""
    target = media_root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    with Session(engine) as db:
        video_id = db.scalars(select(Video.id).where(Video.local_path.is_(None))).first()
        db.execute(
            update(Video)
            .where(Video.id == video_id)
            .values(local_path=relative, thumbnail_path=None, thumbnail_url=None)
        )
        db.commit()
    assert video_id is not None
    return video_id


async def test_transcode_makes_a_faststart_mp4_and_switches_the_video_to_it(
    settings, sqlite_library: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    video_id = give_file(sqlite_library, media_root, sample_clips["testsrc2.mkv"], "x/clip.mkv")
    async with job_context(settings) as ctx:
        assert await transcode_video(ctx, video_id) == "completed"
        assert await transcode_video(ctx, video_id) == "already playable"
        events = ctx["events"].published
    video = video_row(sqlite_library, video_id)
    assert video.local_path == "x/clip.mp4"
    converted = media_root / "x/clip.mp4"
    verify_playable(converted)
    head = converted.read_bytes()
    assert 0 <= head.find(b"moov") < head.find(b"mdat")  # the index first: faststart
    assert not (media_root / "x/clip.mkv").exists()
    assert not list((media_root / ".incoming").iterdir())
    assert events[-1] == {
        "type": "transcode",
        "video_id": video_id,
        "status": "completed",
        "progress": 100.0,
    }


async def test_thumbnails_come_from_a_frame_when_a_video_has_no_picture(
    settings, sqlite_library: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    video_id = give_file(sqlite_library, media_root, sample_clips["smptebars.mp4"], "y/bars.mp4")
    async with job_context(settings) as ctx:
        assert await generate_thumbnails(ctx, video_id) == "completed"
        events = ctx["events"].published
    assert video_row(sqlite_library, video_id).thumbnail_path == "y/bars.jpg"
    with Image.open(media_root / "y/bars.jpg") as frame:
        assert frame.size == (320, 180)
    boxes = {"small": (160, 90), "medium": (320, 180), "large": (640, 360)}
    for size, box in boxes.items():
        (rendered,) = (media_root / "thumbnails").glob(f"*-{size}.jpg")
        with Image.open(rendered) as image:
            assert image.format == "JPEG" and image.info.get("progressive")
            # Fits its box, never enlarged past the 320x180 frame.
            assert image.size == (min(box[0], 320), min(box[1], 180))
    assert events == [{"type": "thumbnails", "video_id": video_id, "status": "completed"}]


async def test_refresh_metadata_copies_what_imvdb_knows_and_retries_when_it_is_down(
    settings, make_settings, sqlite_library: Engine, upstream_settings: dict
) -> None:
    with Session(sqlite_library) as db:
        video = db.scalars(select(Video).where(Video.imvdb_id.is_not(None))).first()
        assert video is not None
        video_id, year = video.id, video.year
        video.year, video.description = None, None
        db.commit()
    async with job_context(settings) as ctx:
        assert await refresh_metadata(ctx, video_id) == "refreshed"
    refreshed = video_row(sqlite_library, video_id)
    assert refreshed.year == year and refreshed.description

    down = make_settings(
        database_url=settings.database_url,
        redis_url=None,
        **{**upstream_settings, "imvdb_base_url": closed_port_url() + "/imvdb/api/v1"},
    )
    async with job_context(down) as ctx:
        with pytest.raises(Retry):
            await refresh_metadata(ctx, video_id)
        ctx["job_try"] = 3  # the last attempt (JOB_MAX_ATTEMPTS is 3 here)
        assert (await refresh_metadata(ctx, video_id)).startswith("failed")


async def test_a_transient_failure_requeues_the_row_and_asks_for_a_retry(
    settings, sqlite_library: Engine, upstreams: UpstreamURLs, media_root: Path
) -> None:
    with Session(sqlite_library) as db:
        video_id = db.scalars(select(Video.id).where(Video.local_path.is_(None))).first()
        row = Download(
            video_id=video_id,
            url=f"{upstreams.root}/media/flaky/unit-retry/clip.mp4?fail_times=1",
            status=DownloadStatus.QUEUED,
            priority=5,
        )
        db.add(row)
        db.commit()
        download_id = row.id
    async with job_context(settings) as ctx:
        with pytest.raises(Retry) as retry:
            await download_video(ctx, download_id)
        assert retry.value.defer_score == 200  # JOB_RETRY_BACKOFF 0.2 s, first retry
        waiting = download_row(sqlite_library, download_id)
        assert (waiting.status, waiting.attempts) == ("queued", 1)
        assert "503" in str(waiting.error_message)
        assert await download_video(ctx, download_id) == "completed"
    done = download_row(sqlite_library, download_id)
    assert (done.status, done.attempts, done.error_message) == ("completed", 2, None)
    assert (media_root / str(done.file_path)).is_file()


async def test_the_sweep_takes_back_downloads_whose_worker_died(
    settings, sqlite_library: Engine, upstreams: UpstreamURLs
) -> None:
    long_ago = utcnow() - timedelta(hours=1)
    with Session(sqlite_library) as db:
        first, second = db.scalars(select(Video.id).where(Video.local_path.is_(None))).all()[:2]
        url = upstreams.video_url_template.format(youtube_id="sweptAgain")
        dead = Download(video_id=first, url=url, status=DownloadStatus.DOWNLOADING,
                        attempts=1, heartbeat_at=long_ago, worker_id="gone:1")  # fmt: skip
        hopeless = Download(video_id=second, url=url, status=DownloadStatus.DOWNLOADING,
                            attempts=3, heartbeat_at=long_ago, worker_id="gone:2")  # fmt: skip
        db.add_all([dead, hopeless])
        db.commit()
        dead_id, hopeless_id = dead.id, hopeless.id
    async with job_context(settings) as ctx:
        assert await sweep_downloads(ctx) == "2 stale, 0 lost"
        # Requeued and handed to the queue, which runs it for real.
        row = await finished(sqlite_library, dead_id)
    assert (row.status, row.attempts) == ("completed", 2)
    given_up = download_row(sqlite_library, hopeless_id)
    assert (given_up.status, given_up.error_message) == (
        "failed",
        "Its worker stopped answering 3 times; giving up",
    )


async def test_the_sweep_enqueues_queued_rows_the_queue_lost(
    settings, sqlite_library: Engine, upstreams: UpstreamURLs
) -> None:
    with Session(sqlite_library) as db:
        video_id = db.scalars(select(Video.id).where(Video.local_path.is_(None))).first()
        row = Download(
            video_id=video_id,
            url=upstreams.video_url_template.format(youtube_id="lostInRedis"),
            status=DownloadStatus.QUEUED,
            priority=5,
        )
        db.add(row)
        db.commit()
        download_id = row.id
    async with job_context(settings) as ctx:
        assert await sweep_downloads(ctx) == "0 stale, 1 lost"
        done = await finished(sqlite_library, download_id)
        assert await sweep_downloads(ctx) == "0 stale, 0 lost"
    assert (done.status, done.attempts) == ("completed", 1)


async def test_monitored_artists_get_their_metadata_refreshed(
    settings, sqlite_library: Engine
) -> None:
    with Session(sqlite_library) as db:
        db.execute(update(Artist).values(monitored=False))
        artist = db.scalars(select(Artist).order_by(Artist.id)).first()
        assert artist is not None
        artist.monitored = True
        db.commit()
        monitored_videos = set(db.scalars(select(Video.id).where(Video.artist_id == artist.id)))
        other_videos = set(db.scalars(select(Video.id).where(Video.artist_id != artist.id)))
    async with job_context(settings) as ctx:
        queue = ctx["queue"]
        outcome = await refresh_monitored_artists(ctx)
        assert outcome == f"{len(monitored_videos)} videos queued for a metadata refresh"
        await until(lambda: queue.active == 0, 30, "refreshes done")
        events = ctx["events"].published
    refreshed = {event["video_id"] for event in events if event["type"] == "metadata"}
    assert refreshed == monitored_videos
    assert other_videos, "the library must hold videos the refresh had to leave out"
    assert {event["status"] for event in events} <= {"refreshed", "not on IMVDb"}
