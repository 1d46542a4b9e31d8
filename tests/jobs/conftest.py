"""Fixtures of the job tests.

- `library`: a small seeded library (4 artists, 16 videos) on the run's MariaDB, without the
  seed's downloads, so the only downloads are the test's own;
- `job_settings` / `worker_env`: the app's settings and a worker process's environment
  (Redis DB index of the run, the simulated upstreams, fast retries and sweeps);
- `app_url`: the async app in Redis mode (arq queue) behind a real uvicorn server;
- `workers`: `mvgate worker` processes, started by the test, stopped (or SIGKILLed) by it;
- `JobEvents`: a /ws/jobs client collecting events in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import redis
import uvicorn
import websockets
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from new_app import create_app
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Download, Video, VideoStatus
from shared_models.settings import Settings
from tests.conftest import empty_all_tables, engine_for
from tests.fixtures.upstreams import BackgroundServer

MVGATE = str(Path(sys.executable).with_name("mvgate"))
# Retries, heartbeats and sweeps in (fractions of) seconds, so the tests take seconds.
FAST_TUNING = {
    "JOB_HEARTBEAT_SECONDS": "0.5",
    "JOB_STALE_SECONDS": "2",
    "JOB_SWEEP_SECONDS": "1",
    "JOB_REQUEUE_GRACE_SECONDS": "1",
    "JOB_RETRY_BACKOFF": "0.3",
    "JOB_MAX_ATTEMPTS": "2",
}
FINISHED = {"completed", "failed", "cancelled"}


# -- database and library ---------------------------------------------------------------


@pytest.fixture
def jobs_db(mariadb_database_url: str) -> Engine:
    """The run's MariaDB (workers and apps in several processes share it), emptied."""
    empty_all_tables(mariadb_database_url)
    return engine_for(mariadb_database_url)


def seed_small_library(
    engine: Engine, media_root: Path, upstreams: UpstreamURLs, clips_dir: Path
) -> Engine:
    seed_library(
        engine,
        media_root,
        artists=4,
        videos=16,
        playlists=0,
        video_url_template=upstreams.video_url_template,
        image_url_template=upstreams.image_url_template,
        clips_dir=clips_dir,
    )
    with Session(engine) as db:
        # The seed's downloads (some "queued", some "downloading") would be picked up by the
        # workers: the tests queue their own.
        db.execute(delete(Download))
        db.execute(
            update(Video)
            .where(Video.status == VideoStatus.DOWNLOADING)
            .values(status=VideoStatus.WANTED)
        )
        db.commit()
    return engine


@pytest.fixture
def library(
    jobs_db: Engine, media_root: Path, upstreams: UpstreamURLs, sample_clips: dict[str, Path]
) -> Engine:
    return seed_small_library(
        jobs_db, media_root, upstreams, next(iter(sample_clips.values())).parent
    )


def wanted_videos(engine: Engine, count: int, *, without_picture: bool = False) -> list[int]:
    """`count` videos without a file (their artists have folders); optionally with their
    thumbnail URL removed, so a download grabs a frame for them."""
    with Session(engine) as db:
        ids = list(
            db.scalars(
                select(Video.id)
                .join(Artist, Video.artist_id == Artist.id)
                .where(Video.local_path.is_(None), Artist.folder_path.is_not(None))
                .order_by(Video.id)
                .limit(count)
            )
        )
        if without_picture:
            db.execute(
                update(Video)
                .where(Video.id.in_(ids))
                .values(thumbnail_url=None, thumbnail_path=None)
            )
            db.commit()
    assert len(ids) == count
    return ids


def download_row(engine: Engine, download_id: int) -> Download:
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(Download, download_id)
        assert row is not None
        return row


def video_row(engine: Engine, video_id: int) -> Video:
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(Video, video_id)
        assert row is not None
        return row


async def until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll `check` until it returns something true; that value (fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        await asyncio.sleep(0.1)


async def finished(engine: Engine, download_id: int, seconds: float = 60.0) -> Download:
    def ended() -> Download | None:
        row = download_row(engine, download_id)
        return row if str(row.status) in FINISHED else None

    return await until(ended, seconds, f"download {download_id} ended")


def partial_files(media_root: Path) -> list[Path]:
    """Anything a download left half-done: .part/.ytdl files, staged attempts."""
    found = [
        path
        for path in media_root.rglob("*")
        if path.is_file() and (path.suffix in {".part", ".ytdl"} or ".part-Frag" in path.name)
    ]
    staging = media_root / ".incoming"
    if staging.is_dir():
        found += list(staging.iterdir())
    return found


# -- settings, Redis, the app -----------------------------------------------------------


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[redis.Redis]:
    """The run's Redis DB index, empty at the start of each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def job_settings(
    make_settings, mariadb_database_url: str, upstream_settings: dict, redis_url: str
) -> Settings:
    return make_settings(
        database_url=mariadb_database_url, redis_url=redis_url, **upstream_settings
    )


@pytest.fixture
def worker_env(job_settings: Settings) -> dict[str, str]:
    settings = job_settings
    return {
        **os.environ,
        "DATABASE_URL": settings.resolved_database_url,
        "REDIS_URL": str(settings.redis_url),
        "DATA_DIR": str(settings.data_dir),
        "MEDIA_ROOT": str(settings.resolved_media_root),
        "SECRET_KEY": settings.secret_key,
        "IMVDB_BASE_URL": settings.imvdb_base_url,
        "MUSICBRAINZ_BASE_URL": settings.musicbrainz_base_url,
        "VIDEO_URL_TEMPLATE": settings.video_url_template,
        "ALLOW_PRIVATE_DOWNLOAD_HOSTS": "true",
        **FAST_TUNING,
    }


@pytest.fixture
def serve_app() -> Iterator[Callable[[Settings], str]]:
    """`serve_app(settings)`: the async app behind uvicorn on a free port; its base URL."""
    servers: list[BackgroundServer] = []

    def serve(settings: Settings) -> str:
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
        server = BackgroundServer(config)
        servers.append(server)
        return server.start()

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def app_url(serve_app, job_settings: Settings, redis_db: redis.Redis) -> str:
    """The async app with the arq queue: it queues, workers run."""
    return serve_app(job_settings)


@pytest.fixture
async def api(app_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app_url, timeout=30) as client:
        yield client


# -- worker processes ---------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def fetchers(self) -> list[psutil.Process]:
        """Its live yt-dlp child processes."""
        return live_fetchers(self.pid)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def live_fetchers(parent_pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(parent_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if child.status() != psutil.STATUS_ZOMBIE and any(
                "fetcher.py" in part for part in child.cmdline()
            ):
                found.append(child)
    return found


@dataclass
class Workers:
    env: dict[str, str]
    folder: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, *arguments: str, cli: bool = False, **env: str) -> Worker:
        """A worker process: `python -m new_app.jobs`, or with `cli` the operator's
        `mvgate worker` (the same worker, behind the gateway CLI's slower start)."""
        log = self.folder / f"worker-{len(self.started) + 1}.log"
        command = [MVGATE, "worker"] if cli else [sys.executable, "-m", "new_app.jobs"]
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*command, *arguments],
                env={**self.env, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log)
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(worker_env, tmp_path)
    yield pool
    pool.stop_all()


# -- /ws/jobs -------------------------------------------------------------------------------


@dataclass
class JobEvents:
    """Events received on one /ws/jobs connection, in order."""

    hello: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def of(self, download_id: int) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("download_id") == download_id]

    def statuses(self, download_id: int) -> list[str]:
        return [event["status"] for event in self.of(download_id)]


@contextlib.asynccontextmanager
async def job_events(base_url: str, download_id: int | None = None) -> AsyncIterator[JobEvents]:
    url = base_url.replace("http://", "ws://") + "/ws/jobs"
    if download_id is not None:
        url += f"?download_id={download_id}"
    async with websockets.connect(url) as socket:
        received = JobEvents(hello=json.loads(await socket.recv()))

        async def collect() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                async for message in socket:
                    received.events.append(json.loads(message))

        collector = asyncio.create_task(collect())
        try:
            yield received
        finally:
            collector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await collector
