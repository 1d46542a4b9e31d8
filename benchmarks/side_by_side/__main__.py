"""Legacy vs new, side by side: N concurrent requests to an IMVDb-backed endpoint while
the simulated IMVDb answers with a fixed latency; the wall time for all of them.

    python -m benchmarks.side_by_side [--requests 200] [--latency-ms 300] [--rounds 3]

Each of these runs in its own process: the simulated upstreams (`benchmarks.upstreams`,
with `--latency-ms`), the legacy app (Flask behind a2wsgi with a 32-thread pool, as the
gateway mounts it) and the new app (FastAPI), each served by one uvicorn worker, on one
small seeded SQLite library. The load generator (this process) fires `--requests`
requests at once on separate connections, at one app then the other, `--rounds` times;
the medians are printed. The machine is shared with whatever else runs: compare the two
columns of one run, not runs across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from benchmarks.local_services import free_port, wait_until_up
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import upstream_urls
from shared_models.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
ENDPOINT = "/api/imvdb/search-artist"
QUERIES = ("velvet", "the", "a", "night", "blue", "sun", "echo", "gold")


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system


@dataclass(frozen=True)
class Round:
    wall_seconds: float
    latencies: list[float]
    failures: int
    server_cpu_seconds: float


@contextmanager
def serving(command: list[str], base_url: str, probe: str, env: dict[str, str]) -> Iterator[Server]:
    """The server runs (`probe` answers) until the block ends."""
    process = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        wait_until_up(base_url + probe, process)
        yield Server(base_url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def uvicorn_command(factory: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip


async def one_round(server: Server, requests: int) -> Round:
    limits = httpx.Limits(max_connections=requests, max_keepalive_connections=requests)
    cpu_before = server.cpu_seconds()
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120) as client:

        async def call(index: int) -> tuple[float, bool]:
            began = time.perf_counter()
            try:
                response = await client.get(ENDPOINT, params={"q": QUERIES[index % len(QUERIES)]})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            return time.perf_counter() - began, ok

        began = time.perf_counter()
        results = await asyncio.gather(*(call(index) for index in range(requests)))
        wall = time.perf_counter() - began
    return Round(
        wall_seconds=wall,
        latencies=[seconds for seconds, _ in results],
        failures=sum(not ok for _, ok in results),
        server_cpu_seconds=server.cpu_seconds() - cpu_before,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name: str, rounds: list[Round]) -> str:
    walls = [r.wall_seconds for r in rounds]
    latencies = [seconds for r in rounds for seconds in r.latencies]
    failures = sum(r.failures for r in rounds)
    cpu_ms = statistics.median(1000 * r.server_cpu_seconds / len(r.latencies) for r in rounds)
    return (
        f"{name:<8} wall {statistics.median(walls):6.2f} s (rounds: "
        + ", ".join(f"{w:.2f}" for w in walls)
        + f")  latency p50 {percentile(latencies, 0.5):5.2f} s  p95 "
        f"{percentile(latencies, 0.95):5.2f} s  server CPU {cpu_ms:4.1f} ms/request"
        f"  failures {failures}"
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    work = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    database_url = f"sqlite:///{work / 'mvidarr.db'}"
    upgrade(database_url)
    seed_library(
        database_url, work / "media", artists=20, videos=100, playlists=2, with_media=False
    )

    sim_port, legacy_port, new_port = free_port(), free_port(), free_port()
    upstreams = upstream_urls(f"http://127.0.0.1:{sim_port}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(work),
        "SECRET_KEY": "side-by-side",
        "IMVDB_BASE_URL": upstreams.imvdb_base_url,
        "MUSICBRAINZ_BASE_URL": upstreams.musicbrainz_base_url,
        "UPSTREAM_TIMEOUT": "30",
    }
    simulator = [sys.executable, "-m", "benchmarks.upstreams", "--port", str(sim_port),
                 "--latency-ms", str(arguments.latency_ms)]  # fmt: skip
    apps = {
        "legacy": uvicorn_command("benchmarks.side_by_side.apps:legacy", legacy_port),
        "new": uvicorn_command("benchmarks.side_by_side.apps:new", new_port),
    }
    results: dict[str, list[Round]] = {name: [] for name in apps}
    with (
        serving(simulator, upstreams.root, "/_sim/stats", env),
        serving(apps["legacy"], f"http://127.0.0.1:{legacy_port}", "/api/health", env) as legacy,
        serving(apps["new"], f"http://127.0.0.1:{new_port}", "/api/health", env) as new,
    ):
        servers = {"legacy": legacy, "new": new}
        for server in servers.values():  # warm-up: connections, caches, thread pools
            asyncio.run(one_round(server, 10))
        for _round in range(arguments.rounds):
            for name, server in servers.items():
                results[name].append(asyncio.run(one_round(server, arguments.requests)))

    print(
        f"{arguments.requests} concurrent GET {ENDPOINT} with IMVDb answering in "
        f"{arguments.latency_ms:g} ms (median of {arguments.rounds} rounds)"
    )
    for name, rounds in results.items():
        print(summary(name, rounds))
    legacy_wall = statistics.median(r.wall_seconds for r in results["legacy"])
    new_wall = statistics.median(r.wall_seconds for r in results["new"])
    print(f"new is {legacy_wall / new_wall:.1f}x faster in wall time")


if __name__ == "__main__":
    main()
