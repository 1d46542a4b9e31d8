"""Downloads on the worker pool, end to end: the async app (arq queue on the run's Redis)
queues them through its API, `mvgate worker` processes run them with yt-dlp against the
simulated media host, progress arrives over /ws/jobs. The rows are checked in MariaDB, the
files on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import Engine

from new_app.jobs.arq_queue import ArqJobQueue
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.tools import verify_playable
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


def slow_clip(upstreams: UpstreamURLs, name: str, bytes_per_second: int) -> str:
    return f"{upstreams.root}/media/slow/{name}.mp4?bytes_per_second={bytes_per_second}"


async def test_a_download_runs_on_a_worker_with_live_progress(
    api: httpx.AsyncClient,
    app_url: str,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
    media_root: Path,
) -> None:
    video_id, other_video = wanted_videos(library, 2, without_picture=True)
    workers.start(cli=True)
    async with (
        job_events(app_url) as everything,
        job_events(app_url, download_id=10**9) as someone_else,
    ):
        response = await api.post(
            f"/api/videos/{video_id}/download",
            json={"url": slow_clip(upstreams, "worker-e2e", 40_000), "priority": 7},
        )
        assert response.status_code == 202
        queued = response.json()["download"]
        assert (queued["status"], queued["job_id"]) == ("queued", f"download:{queued['id']}")
        async with job_events(app_url, download_id=queued["id"]) as just_this:
            row = await finished(library, queued["id"])
            await until(lambda: "completed" in just_this.statuses(queued["id"]), 5, "event")

    assert (row.status, row.attempts, row.error_message) == ("completed", 1, None)
    file = media_root / str(row.file_path)
    assert file.stat().st_size == row.file_size > 0
    verify_playable(file)
    assert partial_files(media_root) == []

    video = video_row(library, video_id)
    assert (video.status, video.local_path) == ("DOWNLOADED", row.file_path)
    assert video.duration and video.duration > 0
    # No picture before: a frame of the file became its thumbnail, rendered in three sizes.
    assert video.thumbnail_path == str(Path(str(row.file_path)).with_suffix(".jpg"))
    assert (media_root / video.thumbnail_path).is_file()
    for size, box in (("small", (160, 90)), ("medium", (320, 180)), ("large", (640, 360))):
        rendered = list((media_root / "thumbnails").glob(f"*-{size}.jpg"))
        assert len(rendered) == 1, size
        with Image.open(rendered[0]) as image:
            assert image.info.get("progressive") and image.width <= box[0]
    served = await api.get(f"/api/videos/{video_id}/thumbnail")
    assert (served.status_code, served.headers["content-type"]) == (200, "image/jpeg")

    # Progress went out live, in order, and only to the sockets that asked for it.
    assert everything.hello == {"type": "hello", "download_id": None, "source": "redis"}
    statuses = everything.statuses(queued["id"])
    assert statuses[0] == "queued" and statuses[-1] == "completed"
    progress = [e["progress"] for e in everything.of(queued["id"]) if e["status"] == "downloading"]
    assert any(0 < value < 100 for value in progress), progress
    assert progress == sorted(progress)
    assert {"type": "thumbnails", "video_id": video_id, "status": "completed"} in everything.events
    assert just_this.hello["download_id"] == queued["id"]
    assert {event["download_id"] for event in just_this.events} == {queued["id"]}
    assert someone_else.events == []
    assert video_row(library, other_video).status == "WANTED"


async def test_one_download_however_often_and_however_concurrently_it_is_asked_for(
    api: httpx.AsyncClient,
    app_url: str,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
    media_root: Path,
    job_settings,
) -> None:
    (video_id,) = wanted_videos(library, 1)
    url = slow_clip(upstreams, "double-click", 100_000)
    workers.start()
    workers.start()
    async with job_events(app_url) as events:
        answers = await asyncio.gather(
            *(api.post(f"/api/videos/{video_id}/download", json={"url": url}) for _ in range(6))
        )
        assert sorted(answer.status_code for answer in answers) == [200] * 5 + [202]
        ids = {answer.json()["download"]["id"] for answer in answers}
        assert len(ids) == 1
        (download_id,) = ids
        assert {a.json()["message"] for a in answers if a.status_code == 200} == {
            "Download already queued"
        }
        again = await api.post(f"/api/videos/{video_id}/download", json={"url": url})
        assert (again.status_code, again.json()["download"]["id"]) == (200, download_id)

        # Queueing the job itself again (as a sweep or a second app would) adds nothing.
        queue = await ArqJobQueue.connect(str(job_settings.redis_url))
        try:
            await queue.enqueue_download(download_id)
            await queue.enqueue_download(download_id)
            assert len(await queue.redis.queued_jobs()) <= 1
        finally:
            await queue.close()

        row = await finished(library, download_id)
        await until(lambda: "completed" in events.statuses(download_id), 5, "completed event")

    assert (row.status, row.attempts) == ("completed", 1)
    assert events.statuses(download_id).count("completed") == 1
    assert [s for s in events.statuses(download_id) if s != "downloading"] == [
        "queued",
        "completed",
    ]
    file = media_root / str(row.file_path)
    assert [path.name for path in file.parent.glob(f"{file.stem}.*")] == [file.name]
    assert partial_files(media_root) == []


async def test_a_worker_killed_mid_download_is_replaced_and_the_download_finishes_once(
    api: httpx.AsyncClient,
    app_url: str,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
    media_root: Path,
) -> None:
    (video_id,) = wanted_videos(library, 1)
    first = workers.start()
    async with job_events(app_url) as events:
        queued = (
            await api.post(
                f"/api/videos/{video_id}/download",
                json={"url": slow_clip(upstreams, "killed-worker", 40_000)},
            )
        ).json()["download"]
        download_id = queued["id"]
        await until(
            lambda: download_row(library, download_id).progress > 5, 30, "download under way"
        )
        (fetcher,) = first.fetchers()
        staged = list((media_root / ".incoming").iterdir())
        assert [folder.name for folder in staged] == [f"download-{download_id}-1"]

        first.kill()
        # Its yt-dlp notices that its parent is gone and exits by itself.
        await until(lambda: not fetcher.is_running() or fetcher.status() == "zombie", 5, "orphan")
        assert download_row(library, download_id).status == "downloading"

        second = workers.start()
        row = await finished(library, download_id)
        await until(lambda: "completed" in events.statuses(download_id), 5, "completed event")

    assert (row.status, row.attempts, row.error_message) == ("completed", 2, None)
    assert row.worker_id and row.worker_id.endswith(f":{second.pid}")
    assert events.statuses(download_id).count("completed") == 1
    file = media_root / str(row.file_path)
    verify_playable(file)
    assert partial_files(media_root) == []
    assert [path.name for path in file.parent.glob(f"{file.stem}.*")] == [file.name]


async def test_rows_queued_while_redis_was_flushed_are_enqueued_again_and_finish(
    api: httpx.AsyncClient,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
    redis_db,
) -> None:
    video_ids = wanted_videos(library, 3)
    download_ids = []
    for video_id in video_ids:
        answer = await api.post(f"/api/videos/{video_id}/download")
        assert answer.status_code == 202
        download_ids.append(answer.json()["download"]["id"])
    assert redis_db.zcard("arq:queue") == 3
    redis_db.flushdb()
    assert redis_db.zcard("arq:queue") == 0

    workers.start()
    rows = [await finished(library, download_id) for download_id in download_ids]
    assert [(row.status, row.attempts) for row in rows] == [("completed", 1)] * 3


async def test_a_transient_upstream_failure_is_retried_until_it_succeeds(
    api: httpx.AsyncClient,
    app_url: str,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
) -> None:
    video_id, hopeless_video = wanted_videos(library, 2)
    workers.start()
    async with job_events(app_url) as events:
        flaky = f"{upstreams.root}/media/flaky/worker-flaky-once/clip.mp4?fail_times=1"
        answer = await api.post(f"/api/videos/{video_id}/download", json={"url": flaky})
        recovers = answer.json()["download"]["id"]
        always = f"{upstreams.root}/media/flaky/worker-flaky-always/clip.mp4?fail_times=50"
        answer = await api.post(f"/api/videos/{hopeless_video}/download", json={"url": always})
        gives_up = answer.json()["download"]["id"]
        recovered = await finished(library, recovers)
        failed = await finished(library, gives_up)

    assert (recovered.status, recovered.attempts, recovered.error_message) == (
        "completed",
        2,
        None,
    )
    retrying = [e for e in events.of(recovers) if e["status"] == "queued" and e["error_message"]]
    assert len(retrying) == 1
    assert retrying[0]["error_message"].startswith("Attempt 1 of 2 failed, retrying in")
    assert "503" in retrying[0]["error_message"]
    # JOB_MAX_ATTEMPTS is 2 in these tests: the second failure is final.
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert "503" in str(failed.error_message)
    assert video_row(library, hopeless_video).status == "FAILED"


async def test_a_permanent_failure_fails_at_once_with_its_reason(
    api: httpx.AsyncClient,
    library: Engine,
    workers: Workers,
    upstreams: UpstreamURLs,
    media_root: Path,
) -> None:
    cases = {
        "/media/status/404": "HTTP Error 404",  # the upstream says it does not exist
        "/media/status/200": "not a playable video",  # a JSON body is not a video
    }
    video_ids = wanted_videos(library, len(cases))
    workers.start()
    queued = {}
    for video_id, path in zip(video_ids, cases, strict=True):
        answer = await api.post(
            f"/api/videos/{video_id}/download", json={"url": f"{upstreams.root}{path}"}
        )
        queued[path] = answer.json()["download"]["id"]
    for (path, reason), video_id in zip(cases.items(), video_ids, strict=True):
        row = await finished(library, queued[path])
        assert (row.status, row.attempts) == ("failed", 1), path
        assert reason in str(row.error_message), row.error_message
        assert video_row(library, video_id).status == "FAILED"
    assert partial_files(media_root) == []
