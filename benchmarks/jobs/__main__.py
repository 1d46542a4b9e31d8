"""Jobs per minute on the worker pool: N thumbnail jobs and N download jobs, run by one and by
two `mvgate worker` processes.

    python -m benchmarks.jobs [--jobs 40] [--workers 1 2] [--max-jobs 4] [--rounds 2] [--sqlite]

Each measurement starts the workers (and waits until each one is polling), enqueues all N
jobs at once on Redis, and times until the database says every one is done:

- thumbnails: `generate_thumbnails` of a video that has a file (a copy of the simulator's
  mp4 clip) and no picture: an ffmpeg frame grab, then Pillow renders small/medium/large;
- downloads: `download_video` of a queued row whose URL is the simulated media host's
  (`/media/watch/<key>.mp4`, a 3-4 s clip of ~100 kB, no added latency): yt-dlp in its own
  process, the ffprobe check, the move into place, thumbnails from the video's picture URL.

The database is a scratch MariaDB database (`--sqlite` for a SQLite file), Redis a DB index
claimed like the test suite claims them. Results are printed and written as JSON to
benchmarks/results/jobs/. The machine is shared: compare the columns of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from benchmarks.jobs.stack import MVGATE, REPO, scratch_database, simulator
from benchmarks.local_services import claimed_redis
from new_app.jobs.arq_queue import ArqJobQueue
from new_app.jobs.queue import download_job_id, video_job_id
from shared_models.database import create_sync_engine
from shared_models.demo.clips import make_clips
from shared_models.migrate import upgrade
from shared_models.models import Artist, Download, DownloadStatus, Video, VideoStatus

RESULTS = REPO / "benchmarks" / "results" / "jobs"
READY_LINE = "Starting worker for"
WORKER_START_TIMEOUT = 90.0
JOBS_TIMEOUT = 900.0


@dataclass
class Measurement:
    kind: str
    workers: int
    max_jobs: int
    jobs: int
    seconds: float
    failed: int
    # CPU time of the workers and the processes they ran (yt-dlp, ffmpeg), per job: less
    # sensitive to a busy machine than the wall time.
    cpu_seconds_per_job: float

    @property
    def per_minute(self) -> float:
        return 60.0 * self.jobs / self.seconds


def prepare_library(engine: Engine, media_root: Path, clip: Path, count: int) -> None:
    """One artist, `count` videos, each with its own copy of the clip (for thumbnails)."""
    folder = media_root / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    with Session(engine) as db:
        artist = Artist(name="Benchmark Artist", folder_path="bench")
        db.add(artist)
        for index in range(count):
            shutil.copyfile(clip, folder / f"source-{index}.mp4")
            db.add(Video(artist=artist, title=f"Benchmark {index}", status=VideoStatus.WANTED))
        db.commit()


def reset(engine: Engine, media_root: Path, kind: str, root: str) -> list[int]:
    """Back to the start: no downloads, no thumbnails; the ids of the videos to work on.
    Thumbnail jobs get videos with a file and no picture (a frame is grabbed); download jobs
    get videos without a file whose picture is a simulator image (as IMVDb would give)."""
    shutil.rmtree(media_root / "thumbnails", ignore_errors=True)
    for produced in (media_root / "bench").glob("Benchmark *"):
        produced.unlink()
    for frame in (media_root / "bench").glob("source-*.jpg"):
        frame.unlink()
    with_file = kind == "thumbnails"
    with Session(engine) as db:
        db.execute(delete(Download))
        ids = list(db.scalars(select(Video.id).order_by(Video.id)))
        for index, video_id in enumerate(ids):
            db.execute(
                update(Video)
                .where(Video.id == video_id)
                .values(
                    local_path=f"bench/source-{index}.mp4" if with_file else None,
                    thumbnail_path=None,
                    thumbnail_url=None if with_file else f"{root}/media/image/bench-{index}-b.jpg",
                    status=VideoStatus.DOWNLOADED if with_file else VideoStatus.WANTED,
                )
            )
        db.commit()
    return ids


def start_workers(count: int, max_jobs: int, env: dict[str, str], logs: Path) -> list:
    started = []
    for number in range(count):
        log = logs / f"worker-{number}-{time.monotonic_ns()}.log"
        output = log.open("wb")
        process = subprocess.Popen(
            [MVGATE, "worker", "--max-jobs", str(max_jobs)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log, output))
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    for process, log, _ in started:
        while READY_LINE not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
    time.sleep(1.0)  # past the start-up sweep
    return started


def cpu_seconds(started: list) -> float:
    """CPU used so far by the workers and their reaped children."""
    total = 0.0
    for process, _, _ in started:
        times = psutil.Process(process.pid).cpu_times()
        total += times.user + times.system + times.children_user + times.children_system
    return total


def stop_workers(started: list) -> None:
    for process, _, _ in started:
        process.terminate()
    for process, _, output in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


async def enqueue(redis_url: str, kind: str, ids: list[int], engine: Engine, root: str) -> None:
    queue = await ArqJobQueue.connect(redis_url)
    try:
        if kind == "downloads":
            with Session(engine) as db:
                rows = [
                    Download(
                        video_id=video_id,
                        url=f"{root}/media/watch/bench{video_id}.mp4",
                        status=DownloadStatus.QUEUED,
                        priority=5,
                    )
                    for video_id in ids
                ]
                db.add_all(rows)
                db.flush()
                for row in rows:
                    row.job_id = download_job_id(row.id)
                db.commit()
                download_ids = [row.id for row in rows]
            for download_id in download_ids:
                await queue.enqueue_download(download_id)
        else:
            for video_id in ids:
                await queue.enqueue_job(
                    "generate_thumbnails", video_id, job_id=video_job_id("thumbnails", video_id)
                )
    finally:
        await queue.close()


def progress(engine: Engine, kind: str) -> tuple[int, int]:
    """(done, failed) so far."""
    with Session(engine) as db:
        if kind == "downloads":
            counts = dict(
                db.execute(select(Download.status, func.count()).group_by(Download.status)).all()
            )
            return counts.get(DownloadStatus.COMPLETED, 0) + counts.get(
                DownloadStatus.FAILED, 0
            ), counts.get(DownloadStatus.FAILED, 0)
        done = db.scalar(select(func.count()).where(Video.thumbnail_path.is_not(None))) or 0
        return done, 0


def measure(
    engine: Engine, media_root: Path, kind: str, workers: int, max_jobs: int,
    env: dict[str, str], logs: Path, root: str,
) -> Measurement:  # fmt: skip
    ids = reset(engine, media_root, kind, root)
    started = start_workers(workers, max_jobs, env, logs)
    try:
        cpu_before = cpu_seconds(started)
        began = time.perf_counter()
        asyncio.run(enqueue(env["REDIS_URL"], kind, ids, engine, root))
        deadline = time.monotonic() + JOBS_TIMEOUT
        while True:
            done, failed = progress(engine, kind)
            if done >= len(ids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind}: only {done} of {len(ids)} jobs done")
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        cpu = cpu_seconds(started) - cpu_before
    finally:
        stop_workers(started)
    return Measurement(kind, workers, max_jobs, len(ids), seconds, failed, cpu / len(ids))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-jobs", type=int, default=4, help="jobs per worker at once")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kinds", nargs="+", default=["thumbnails", "downloads"])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of MariaDB")
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    work = Path(tempfile.mkdtemp(prefix="jobs-bench-"))
    media_root = work / "media"
    clip = make_clips(work / "clips")["testsrc.mp4"]
    results: list[Measurement] = []
    with (
        simulator() as root,
        claimed_redis() as redis_url,
        scratch_database(work, arguments.sqlite) as database_url,
    ):
        upgrade(database_url)
        engine = create_sync_engine(database_url)
        prepare_library(engine, media_root, clip, arguments.jobs)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DATA_DIR": str(work),
            "MEDIA_ROOT": str(media_root),
            "SECRET_KEY": "jobs-benchmark",
            "ALLOW_PRIVATE_DOWNLOAD_HOSTS": "true",
        }
        for _round in range(arguments.rounds):
            for kind in arguments.kinds:
                for workers in arguments.workers:
                    result = measure(engine, media_root, kind, workers, arguments.max_jobs,
                                     env, work, root)  # fmt: skip
                    print(f"{kind:<10} workers {workers}  {result.jobs} jobs in "
                          f"{result.seconds:6.2f} s  = {result.per_minute:6.1f} jobs/min"
                          f"  CPU {result.cpu_seconds_per_job:.2f} s/job"
                          f"  failed {result.failed}", flush=True)  # fmt: skip
                    results.append(result)
        engine.dispose()
    database = "SQLite" if arguments.sqlite else "MariaDB"
    print(
        f"\njobs per minute, median of {arguments.rounds} rounds ({database}, "
        f"{arguments.max_jobs} jobs per worker at once, {arguments.jobs} jobs a round):"
    )
    summary = {}
    for kind in arguments.kinds:
        for workers in arguments.workers:
            runs = [r for r in results if (r.kind, r.workers) == (kind, workers)]
            rates = [r.per_minute for r in runs]
            cpu = statistics.median(r.cpu_seconds_per_job for r in runs)
            summary[f"{kind}/{workers}"] = statistics.median(rates)
            print(f"  {kind:<10} {workers} worker(s): {statistics.median(rates):7.1f} "
                  f"(rounds: {', '.join(f'{rate:.1f}' for rate in rates)})"
                  f"  CPU {cpu:.2f} s/job")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"jobs-{stamp}.json").write_text(
        json.dumps(
            {
                "arguments": vars(arguments),
                "database": database,
                "measurements": [asdict(r) | {"per_minute": r.per_minute} for r in results],
                "median_per_minute": summary,
            },
            indent=2,
        )
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
