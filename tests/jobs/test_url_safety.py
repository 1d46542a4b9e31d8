"""Which URLs may be downloaded: only http(s), and no loopback/private hosts unless
ALLOW_PRIVATE_DOWNLOAD_HOSTS. Checked by the API when queueing, by the job before it
fetches (a row may come from elsewhere), and by the fetcher at every connection it opens
(redirects and DNS answers included)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from new_app import create_app
from new_app.jobs.download import FETCHER, download_video
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Download, DownloadStatus
from tests.jobs.conftest import download_row, seed_small_library, wanted_videos
from tests.jobs.job_context import job_context
from tests.new_app.conftest import client_for, running

SCHEME = "Only http and https URLs can be downloaded"
PRIVATE = "Downloads from private or loopback hosts are not allowed"


@pytest.fixture
def strict_library(
    db_engine: Engine, media_root: Path, upstreams: UpstreamURLs, sample_clips: dict[str, Path]
) -> Engine:
    return seed_small_library(
        db_engine, media_root, upstreams, next(iter(sample_clips.values())).parent
    )


@pytest.fixture
def strict_settings(make_settings, database_url: str, upstream_settings: dict):
    return make_settings(
        database_url=database_url,
        redis_url=None,
        **{**upstream_settings, "allow_private_download_hosts": False},
    )


@pytest.fixture
async def strict_api(strict_settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(strict_settings)
    async with running(app), client_for(app) as api:
        yield api


REFUSED = [
    ("file:///etc/passwd", SCHEME),
    ("ftp://example.com/video.mp4", SCHEME),
    ("javascript:alert(1)", SCHEME),
    ("not a url at all", SCHEME),
    ("http://[x", SCHEME),
    ("http:///no-host.mp4", SCHEME),
    ("http://127.0.0.1:8001/media/watch/x.mp4", PRIVATE),
    ("http://localhost/x.mp4", PRIVATE),
    ("https://10.1.2.3/x.mp4", PRIVATE),
    ("http://192.168.0.10/x.mp4", PRIVATE),
    ("http://169.254.169.254/latest/meta-data", PRIVATE),
    ("http://[::1]/x.mp4", PRIVATE),
    ("http://[::ffff:127.0.0.1]/x.mp4", PRIVATE),
    ("http://0.0.0.0/x.mp4", PRIVATE),
]


async def test_the_api_refuses_unsafe_urls_and_queues_nothing(
    strict_api: httpx.AsyncClient, strict_library: Engine
) -> None:
    (video_id,) = wanted_videos(strict_library, 1)
    answers = {}
    for url, _ in REFUSED:
        answer = await strict_api.post(f"/api/videos/{video_id}/download", json={"url": url})
        answers[url] = (answer.status_code, answer.json())
    assert answers == {url: (400, {"error": error}) for url, error in REFUSED}
    with Session(strict_library) as db:
        assert db.scalar(select(func.count(Download.id))) == 0


def insert_download(engine: Engine, video_id: int, url: str) -> int:
    with Session(engine) as db:
        row = Download(video_id=video_id, url=url, status=DownloadStatus.QUEUED, priority=5)
        db.add(row)
        db.flush()
        row.job_id = f"download:{row.id}"
        db.commit()
        return row.id


def sim_requests(upstreams: UpstreamURLs) -> int:
    return httpx.get(f"{upstreams.root}/_sim/stats").json()["requests_total"]


@pytest.mark.parametrize(
    ("url", "error"),
    [("file:///etc/passwd", SCHEME), ("{root}/media/watch/strict.mp4", PRIVATE)],
    ids=["file", "loopback"],
)
async def test_the_job_refuses_an_unsafe_row_without_fetching(
    strict_settings, strict_library: Engine, upstreams: UpstreamURLs, url: str, error: str
) -> None:
    (video_id,) = wanted_videos(strict_library, 1)
    download_id = insert_download(strict_library, video_id, url.format(root=upstreams.root))
    before = sim_requests(upstreams)
    async with job_context(strict_settings) as ctx:
        assert await download_video(ctx, download_id) == "failed"
    row = download_row(strict_library, download_id)
    assert (row.status, row.attempts, row.error_message) == ("failed", 1, error)
    assert sim_requests(upstreams) == before


def run_fetcher(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The fetcher run as the job runs it (stdin held open: it exits when stdin closes)."""
    process = subprocess.Popen(
        [sys.executable, "-P", str(FETCHER), json.dumps(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None and process.stdin is not None
    output = process.stdout.read()
    process.stdin.close()
    process.wait(timeout=60)
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_fetcher_refuses_to_connect_to_a_private_address(
    upstreams: UpstreamURLs, tmp_path: Path, host: str
) -> None:
    """The check sits on the resolver the fetcher's connections use, so it also covers each
    redirect hop and a name whose DNS answer changed since the URL was checked."""
    url = upstreams.root.replace("127.0.0.1", host) + "/media/watch/guarded.mp4"
    before = sim_requests(upstreams)
    messages = run_fetcher(
        {"url": url, "directory": str(tmp_path), "stem": "x", "allow_private_hosts": False}
    )
    assert messages[-1]["event"] == "error"
    assert messages[-1]["transient"] is False
    assert messages[-1]["reason"].startswith(PRIVATE)
    assert sim_requests(upstreams) == before
    assert list(tmp_path.iterdir()) == []
