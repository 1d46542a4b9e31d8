"""Stream time to first byte, legacy vs new, mp4 (a file with Range) and mkv (a live ffmpeg
remux to fragmented MP4), both apps behind one gateway, on the same data.

    python -m benchmarks.jobs.stream_ttfb [--requests 40] [--concurrency 1 4] [--rounds 3]

One `mvgate serve` process (one uvicorn worker, file watch and access log off) mounts both
apps: the legacy Flask app (a2wsgi, 32 threads) and the async app; every request names its
backend with the table's override header (`X-Mvgate-Backend`), so both answer the same
`GET /api/videos/<id>/stream` of the same seeded library (SQLite, the demo's clips). The
client (this process, httpx) measures, per request, the time from sending it to the first
body byte and to the last; rounds alternate the order of the backends. Medians and p95 over
all rounds are printed and written as JSON to benchmarks/results/jobs/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.jobs.stack import MVGATE, REPO, running
from benchmarks.local_services import free_port
from shared_models.database import create_sync_engine
from shared_models.demo.clips import make_clips
from shared_models.demo.seed import seed_library
from shared_models.migrate import upgrade
from shared_models.models import Video

RESULTS = REPO / "benchmarks" / "results" / "jobs"
OVERRIDE = "X-Mvgate-Backend"
TABLE = """version: 1
default: legacy
backends:
  legacy: {wsgi: "legacy_flask:create_app", threads: 32}
  new: {asgi: "new_app:create_app"}
overrides:
  header: X-Mvgate-Backend
routes:
  - path: /api/videos/{video_id:int}/stream
    methods: [GET]
    backend: new
"""


@dataclass
class Sample:
    first_byte: float
    total: float
    status: int


async def one(client: httpx.AsyncClient, url: str, backend: str) -> Sample:
    began = time.perf_counter()
    first = None
    async with client.stream("GET", url, headers={OVERRIDE: backend}) as response:
        if response.headers.get("x-served-by") != backend:
            raise RuntimeError(f"{url} served by {response.headers.get('x-served-by')}")
        async for chunk in response.aiter_raw():
            if first is None and chunk:
                first = time.perf_counter() - began
        status = response.status_code
    total = time.perf_counter() - began
    return Sample(first if first is not None else total, total, status)


async def measure(
    base_url: str, url: str, backend: str, requests: int, concurrency: int
) -> list[Sample]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        for _ in range(3):  # warm-up: connections, imports, caches
            await one(client, url, backend)
        samples: list[Sample] = []

        async def lane(count: int) -> None:
            for _ in range(count):
                samples.append(await one(client, url, backend))

        await asyncio.gather(*(lane(requests // concurrency) for _ in range(concurrency)))
    return samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def seeded(work: Path) -> tuple[str, dict[str, int]]:
    """A small library with real clips; the id of one mp4 and one mkv video."""
    database_url = f"sqlite:///{work / 'mvidarr.db'}"
    upgrade(database_url)
    clips = make_clips(work / "clips")
    seed_library(database_url, work / "media", artists=4, videos=40, playlists=0,
                 clips_dir=next(iter(clips.values())).parent)  # fmt: skip
    engine = create_sync_engine(database_url)
    with Session(engine) as db:
        paths = dict(db.execute(select(Video.id, Video.local_path)).all())
    engine.dispose()
    ids = {}
    for suffix in ("mp4", "mkv"):
        ids[suffix] = next(i for i, p in sorted(paths.items()) if p and p.endswith(f".{suffix}"))
    return database_url, ids


def main() -> None:
    arguments = parse_arguments()
    work = Path(tempfile.mkdtemp(prefix="stream-ttfb-"))
    database_url, ids = seeded(work)
    table = work / "routing_table.yaml"
    table.write_text(TABLE)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(work),
        "MEDIA_ROOT": str(work / "media"),
        "SECRET_KEY": "stream-ttfb",
        "MAX_CONCURRENT_TRANSCODES": "8",
    }
    env.pop("REDIS_URL", None)
    command = [MVGATE, "serve", "--routes", str(table), "--port", str(port),
               "--log-level", "warning", "--no-access-log", "--no-watch"]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    results: dict[str, list[Sample]] = {}
    with running(command, env, probe=f"{base_url}/api/health"):
        for round_number in range(arguments.rounds):
            backends = ("legacy", "new") if round_number % 2 == 0 else ("new", "legacy")
            for concurrency in arguments.concurrency:
                for kind, video_id in ids.items():
                    for backend in backends:
                        url = f"/api/videos/{video_id}/stream"
                        samples = asyncio.run(
                            measure(base_url, url, backend, arguments.requests, concurrency)
                        )
                        key = f"{kind} c={concurrency} {backend}"
                        results.setdefault(key, []).extend(samples)
            print(f"round {round_number + 1} done", file=sys.stderr, flush=True)

    print(f"GET /api/videos/<id>/stream through the gateway, {arguments.requests} requests "
          f"x {arguments.rounds} rounds (ms)")  # fmt: skip
    print(f"{'case':<22} {'TTFB p50':>9} {'TTFB p95':>9} {'total p50':>10}  errors")
    summary = {}
    for key, samples in results.items():
        first = [1000 * s.first_byte for s in samples]
        total = [1000 * s.total for s in samples]
        errors = sum(s.status != 200 for s in samples)
        summary[key] = {
            "ttfb_p50_ms": statistics.median(first),
            "ttfb_p95_ms": percentile(first, 0.95),
            "total_p50_ms": statistics.median(total),
            "errors": errors,
            "samples": len(samples),
        }
        print(f"{key:<22} {statistics.median(first):9.1f} {percentile(first, 0.95):9.1f} "
              f"{statistics.median(total):10.1f}  {errors}")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"stream-ttfb-{stamp}.json").write_text(
        json.dumps({"arguments": vars(arguments), "results": summary}, indent=2)
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
