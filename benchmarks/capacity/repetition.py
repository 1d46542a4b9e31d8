"""One repetition of one routing: a fresh database seeded with the library, the server
started, caches warmed, stream start measured unloaded, then the step load with every
process sampled; optionally a profile of the server at a fixed load afterwards."""

from __future__ import annotations

import os
import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import psutil

from benchmarks.capacity import lag, library, loadgen, profiling, sampling, stack, ttfb
from benchmarks.capacity.config import SLO_FAILURE_RATIO, SLO_P95_MS, RunConfig
from benchmarks.capacity.progress import log
from benchmarks.capacity.routings import ROUTINGS, write_table
from benchmarks.local_services import Database
from benchmarks.locustfiles.library import Library
from benchmarks.locustfiles.plan import Plan

SHIPPED_TABLE = stack.REPO / "routing_table.yaml"
STREAM_NAMES = {"mp4": "GET stream mp4 (first byte)", "mkv": "GET stream mkv (first byte)"}
LOCUST_GRACE_SECONDS = 120.0
THUMBNAILS = "thumbnails"  # the apps' cache folder under MEDIA_ROOT


@dataclass
class Services:
    """What outlives one repetition: the database, the simulator, Redis."""

    database: Database
    simulator: stack.Managed
    redis_url: str | None
    workdir: Path


@dataclass
class RepetitionResult:
    routing: str
    repetition: int
    load_average: tuple[float, float, float]
    steps: list[dict[str, Any]]
    samples: list[sampling.Sample]
    ttfb: dict[str, dict[str, float]]
    warmup_failures: int
    profile: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def fresh_data_dir(data_dir: Path) -> Path:
    """The data directory, emptied except for the thumbnail cache.

    Every repetition uses the same path, so the cache made by the first warm-up stays valid
    (its keys include the source file's path) and later warm-ups only read it: measured
    steps always see a warm cache, and no repetition waits minutes for cold thumbnails.
    Both apps use the same cache layout."""
    keep = data_dir / "media" / THUMBNAILS
    if data_dir.exists():
        for path in data_dir.rglob("*"):
            if path.is_file() and not path.is_relative_to(keep):
                path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


def wait_for_quiet(config: RunConfig) -> tuple[float, float, float]:
    """Wait (up to the configured time) for a 1-minute load average under the threshold,
    held for a minute; the load average at the end is recorded with the results."""
    deadline = time.monotonic() + config.wait_quiet_seconds
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        if os.getloadavg()[0] < config.quiet_load:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 60:
                break
        else:
            quiet_since = None
        time.sleep(5)
    return os.getloadavg()


def _server(routing: str, config: RunConfig, env: dict[str, str], workdir: Path, stack_: ExitStack):
    if ROUTINGS[routing].server == "gunicorn":
        return stack_.enter_context(
            stack.gunicorn(
                config.gateway_workers, config.legacy_threads, env, workdir / "gunicorn.log"
            )
        )
    table = write_table(routing, SHIPPED_TABLE, workdir / "routing_table.yaml")
    return stack_.enter_context(
        stack.gateway(table, config.gateway_workers, env, workdir / "gateway.log")
    )


def _roles(
    server: stack.Managed,
    workers: list[stack.Managed],
    services: Services,
    locust: list[stack.Managed],
) -> dict[str, list[psutil.Process]]:
    roles: dict[str, list[psutil.Process]] = {
        "server": [psutil.Process(server.pid)],
        "workers": [psutil.Process(w.pid) for w in workers if w.alive()],
        "simulator": [psutil.Process(services.simulator.pid)],
        "locust": [psutil.Process(p.pid) for p in locust if p.alive()],
    }
    if services.database.kind == "mariadb":
        found = sampling.system_process("mariadbd", "mysqld")
        roles["mariadb"] = [found] if found else []
    if services.redis_url:
        found = sampling.system_process("redis-server")
        roles["redis"] = [found] if found else []
    return roles


def step_rows(
    steps: list[dict[str, Any]],
    samples: list[sampling.Sample],
    lag_samples: list[tuple[float, float]],
) -> list[dict[str, Any]]:
    """Locust's figures of each step joined with what was sampled in its window."""
    rows = []
    for step in steps:
        start, end = step["start"], step["end"]
        row = dict(step)
        row["failure_ratio"] = step["failures"] / step["requests"] if step["requests"] else 0.0
        for role in ("server", "workers", "simulator", "mariadb", "redis", "locust", "machine"):
            for key, value in sampling.window_figures(samples, role, start, end).items():
                row[f"{role}_{key}"] = value
        row |= lag.window_lag(lag_samples, start, end)
        for kind, name in STREAM_NAMES.items():
            figures = step["requests_by_name"].get(name)
            if figures and figures["requests"]:
                row[f"ttfb_{kind}_p50_ms"] = figures["p50_ms"]
                row[f"ttfb_{kind}_p95_ms"] = figures["p95_ms"]
                row[f"ttfb_{kind}_requests"] = figures["requests"]
        rows.append(row)
    return rows


def capacity_of(steps: list[dict[str, Any]]) -> int:
    """The most users served within the SLO, every step before it within the SLO too."""
    capacity = 0
    for step in steps:
        if not step["slo_ok"]:
            break
        capacity = step["users"]
    return capacity


def run_locust(
    url: str,
    plan: Plan,
    library_file: Path,
    workdir: Path,
    config: RunConfig,
    sampler_locust: list[stack.Managed],
) -> list[dict[str, Any]]:
    budget = plan.warmup_seconds + len(plan.steps) * (
        plan.ramp_seconds + plan.settle_seconds + plan.measure_seconds + 2
    )
    with loadgen.locust(url, plan, library_file, workdir, config.locust_processes) as (
        runner,
        steps_file,
    ):
        sampler_locust.append(runner)
        runner.process.wait(timeout=budget + LOCUST_GRACE_SECONDS)
        if runner.process.returncode not in (0, None):
            raise RuntimeError(f"locust failed ({runner.process.returncode}):\n{runner.log_tail()}")
    return loadgen.read_steps(steps_file)


def step_plan(config: RunConfig) -> Plan:
    return Plan(
        steps=list(config.steps),
        warmup_users=config.warmup_users,
        warmup_seconds=config.warmup_seconds,
        ramp_seconds=config.ramp_seconds,
        settle_seconds=config.settle_seconds,
        measure_seconds=config.measure_seconds,
        slo_p95_ms=SLO_P95_MS,
        slo_failure_ratio=SLO_FAILURE_RATIO,
        breaks_to_stop=config.breaks_to_stop,
        mix=config.mix,
        upstream_delay_ms=config.seed_delay_ms,
    )


def run_repetition(
    routing: str,
    repetition: int,
    config: RunConfig,
    services: Services,
    earlier_capacities: list[int],
    profile_dir: Path | None,
) -> RepetitionResult:
    """`profile_dir` set: profile the server afterwards, at the median capacity of this
    repetition and the earlier ones."""
    workdir = services.workdir / f"{routing}-{repetition}"
    shutil.rmtree(workdir, ignore_errors=True)
    probe_dir = workdir / "probe"
    probe_dir.mkdir(parents=True)
    data_dir = fresh_data_dir(services.workdir / "data")
    services.database.recreate()
    library.seed(services.database.url, data_dir / "media", services.simulator.url)
    env = stack.app_environment(
        database_url=services.database.url,
        data_dir=data_dir,
        upstreams_root=services.simulator.url,
        redis_url=services.redis_url,
        probe_dir=probe_dir,
    )
    with ExitStack() as stack_:
        server = _server(routing, config, env, workdir, stack_)
        workers: list[stack.Managed] = []
        if services.redis_url and ROUTINGS[routing].serves_new:
            workers = stack_.enter_context(stack.job_workers(config.job_workers, env, workdir))
        locust_processes: list[stack.Managed] = []
        sampler = sampling.Sampler(lambda: _roles(server, workers, services, locust_processes))
        sampler.start()
        stack_.callback(sampler.stop)

        log(f"{routing}: server up at {server.url}; warming up")
        hot = library.hot_video_ids(server.url)
        lib = library.describe(services.database.url, hot)
        library_file = workdir / "library.json"
        library_file.write_text(lib.to_json())
        warmup_failures = library.warm_up(server.url, lib)
        stream_start = ttfb.measure(server.url, lib, config.ttfb_repeats)
        httpx.post(services.simulator.url + "/_sim/reset", timeout=10)

        log(f"{routing}: stream start unloaded {stream_start}")
        load_average = wait_for_quiet(config)
        log(f"{routing}: step load, load average {load_average[0]:.2f}")
        steps = run_locust(
            server.url, step_plan(config), library_file, workdir, config, locust_processes
        )
        profile = None
        if profile_dir is not None and config.profile_seconds > 0:
            capacities = sorted([*earlier_capacities, capacity_of(steps)])
            profile_users = capacities[len(capacities) // 2] or config.steps[0]
            log(f"{routing}: profiling at {profile_users} users")
            profile = profile_server(
                server, profile_users, lib, library_file, workdir, config, profile_dir
            )
        sampler.stop()
    rows = step_rows(steps, sampler.samples, lag.read_lag(probe_dir))
    return RepetitionResult(
        routing=routing,
        repetition=repetition,
        load_average=load_average,
        steps=rows,
        samples=sampler.samples,
        ttfb=stream_start,
        warmup_failures=warmup_failures,
        profile=profile,
    )


def profile_server(
    server: stack.Managed,
    users: int,
    lib: Library,
    library_file: Path,
    workdir: Path,
    config: RunConfig,
    profile_dir: Path,
) -> dict[str, Any]:
    """The server's Python stacks (py-spy, threads holding the GIL) while `users` users
    run the same scenario for `profile_seconds`."""
    plan = replace(
        step_plan(config),
        steps=[users],
        warmup_users=users,
        warmup_seconds=config.settle_seconds + config.ramp_seconds,
        measure_seconds=config.profile_seconds + 4,
        breaks_to_stop=99,
    )
    profile_workdir = workdir / "profile"
    profile_workdir.mkdir(exist_ok=True)
    with loadgen.locust(server.url, plan, library_file, profile_workdir, 1) as (runner, _steps):
        time.sleep(plan.warmup_seconds + plan.ramp_seconds + plan.settle_seconds + 2)
        summary = profiling.record(server.pid, config.profile_seconds, profile_dir, users)
        runner.process.wait(timeout=plan.measure_seconds + LOCUST_GRACE_SECONDS)
    return summary
