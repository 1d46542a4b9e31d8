"""The whole run: services up, every routing measured `repetitions` times, results and
reports written, services down."""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

from benchmarks import local_services
from benchmarks.capacity import charts, overhead, report, stack, summary
from benchmarks.capacity.config import MIXES, RunConfig
from benchmarks.capacity.library import seed
from benchmarks.capacity.progress import log
from benchmarks.capacity.repetition import (
    RepetitionResult,
    Services,
    capacity_of,
    run_repetition,
)
from benchmarks.capacity.results import RoutingResult, write_csvs
from benchmarks.capacity.routings import ROUTINGS


def machine_facts() -> dict[str, Any]:
    os_name = platform.system()
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {
        "cpus": os.cpu_count(),
        "memory_gib": psutil.virtual_memory().total / 2**30,
        "os": os_name,
        "python": platform.python_version(),
    }


def _database_kind(config: RunConfig) -> str:
    if config.database == "auto":
        return "mariadb" if local_services.mariadb_available() else "sqlite"
    return config.database


def _use_redis(config: RunConfig) -> bool:
    return config.redis == "on" or (config.redis == "auto" and local_services.redis_available())


def _json_safe(config: RunConfig) -> dict[str, Any]:
    values = asdict(config)
    values["out"] = "benchmarks/results" if config.mode == "full" else str(config.out.name)
    return values


def run(config: RunConfig, notes: str = "") -> Path:
    """Measure every routing; returns the comparison report's path."""
    unknown = [name for name in config.routings if name not in ROUTINGS]
    if unknown:
        raise ValueError(f"unknown routing(s) {unknown}; known: {sorted(ROUTINGS)}")
    if unknown_mixes := [mix for mix in config.mixes if mix not in MIXES]:
        raise ValueError(f"unknown mix(es) {unknown_mixes}; known: {list(MIXES)}")
    machine = machine_facts()
    workdir = Path(tempfile.mkdtemp(prefix="mvbench-"))
    overhead_figures: list[dict[str, Any]] = []
    with ExitStack() as stack_:
        stack_.callback(shutil.rmtree, workdir, ignore_errors=True)
        database = local_services.Database(_database_kind(config), workdir)
        stack_.callback(database.drop)
        redis_url = (
            stack_.enter_context(local_services.claimed_redis()) if _use_redis(config) else None
        )
        described = {
            "database": "MariaDB" if database.kind == "mariadb" else "SQLite",
            "redis": "on (gateway state; arq jobs when workers exist)" if redis_url else "off",
            "job_workers": (
                f"{config.job_workers} (`mvgate worker`)"
                if redis_url and stack.worker_command_available()
                else "none (downloads run in the server process)"
            ),
        }
        log(f"work directory {workdir}; database {database.kind}; redis {bool(redis_url)}")
        by_mix: dict[str, dict[str, RoutingResult]] = {}
        reports: list[Path] = []
        for mix in config.mixes:
            mix_config = config.with_changes(mix=mix)
            spread = config.seed_delay_ms if mix == "seed" else None
            with stack.simulator(config.latency_ms, workdir, spread) as simulator:
                services = Services(database, simulator, redis_url, workdir)
                by_mix[mix] = _measure_routings(mix_config, services)
                for result in by_mix[mix].values():
                    _write_routing(result, mix_config, machine, described)
                if config.overhead and not overhead_figures:
                    log("gateway overhead on real endpoints")
                    overhead_figures = _overhead(config, services)
                reports.append(
                    _write_comparison(
                        by_mix[mix], mix_config, machine, described, overhead_figures, notes
                    )
                )
        summary.write_summary(by_mix, config, overhead_figures)
    return reports[0]


def _measure_routings(config: RunConfig, services: Services) -> dict[str, RoutingResult]:
    """Every routing, `repetitions` times, in the current mix."""
    # Repetitions go round the routings (1 of each, then 2 of each, ...): whatever else
    # the machine does over the hours of a run falls on every routing alike.
    done: dict[str, list[RepetitionResult]] = {name: [] for name in config.routings}
    for number in range(1, config.repetitions + 1):
        last = number == config.repetitions
        for routing in config.routings:
            out = _routing_dir(config, routing)
            log(f"{config.mix} {routing}: repetition {number}/{config.repetitions}")
            earlier = [capacity_of(rep.steps) for rep in done[routing]]
            result = run_repetition(
                routing, number, config, services, earlier, out / "profile" if last else None
            )
            done[routing].append(result)
            log(f"{routing}: repetition {number}: capacity {capacity_of(result.steps)} users")
    return {routing: RoutingResult(routing, reps) for routing, reps in done.items()}


def _routing_dir(config: RunConfig, routing: str) -> Path:
    path = config.out / f"{config.prefix}-{routing}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_routing(
    result: RoutingResult, config: RunConfig, machine: dict[str, Any], services: dict[str, Any]
) -> None:
    out = _routing_dir(config, result.routing)
    write_csvs(result, out)
    charts.routing_charts(result.routing, result.median_steps(), out)
    (out / "REPORT.md").write_text(report.routing_report(result, config, machine, services))
    facts = {
        "routing": result.routing,
        "config": _json_safe(config),
        "machine": machine,
        "services": services,
        "capacities": result.capacities,
        "capacity": result.capacity,
        "never_broke": result.never_broke,
        "load_averages": [rep.load_average for rep in result.repetitions],
        "warmup_failures": [rep.warmup_failures for rep in result.repetitions],
        "ttfb_unloaded": [rep.ttfb for rep in result.repetitions],
    }
    (out / "run.json").write_text(json.dumps(facts, indent=1))


def _overhead(config: RunConfig, services: Services) -> list[dict[str, Any]]:
    data_dir = services.workdir / "overhead"
    services.database.recreate()
    seed(services.database.url, data_dir / "media", services.simulator.url)
    env = stack.app_environment(
        database_url=services.database.url,
        data_dir=data_dir,
        upstreams_root=services.simulator.url,
        redis_url=None,
        probe_dir=None,
    )
    out = config.out / f"{config.label}-comparison" / "gateway_overhead"
    return overhead.overhead_rows(overhead.run_overhead(env, out, config.overhead_rounds))


def _write_comparison(
    results: dict[str, RoutingResult],
    config: RunConfig,
    machine: dict[str, Any],
    services: dict[str, Any],
    overhead_figures: list[dict[str, Any]],
    notes: str,
) -> Path:
    out = config.out / f"{config.prefix}-comparison"
    out.mkdir(parents=True, exist_ok=True)
    charts.comparison_charts({name: r.median_steps() for name, r in results.items()}, out)
    text = report.comparison_report(results, config, machine, services, overhead_figures, notes)
    (out / "REPORT.md").write_text(text)
    return out / "REPORT.md"
