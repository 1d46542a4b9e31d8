"""`python -m benchmarks.run` (or `mvgate bench`): Flask vs FastAPI through the same gateway,
measured as users within the latency SLO. See docs/benchmarks.md.

    python -m benchmarks.run --quick          # under 2 minutes: SQLite, 2 small steps
    python -m benchmarks.run                  # the full run: MariaDB (+ Redis), 3 repetitions
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from benchmarks.capacity import config as presets


def _steps(text: str | None) -> tuple[int, ...] | None:
    return tuple(int(part) for part in text.split(",")) if text else None


def bench(
    quick: bool = typer.Option(False, "--quick", help="The smoke run: under 2 minutes, SQLite."),
    routings: str = typer.Option(
        "", help="Comma-separated: all-legacy, all-new, new-only, legacy-gunicorn."
    ),
    mixes: str = typer.Option("", help="Comma-separated: ui, seed (default: the preset's)."),
    repetitions: int = typer.Option(0, help="Repetitions per routing (0: the preset's)."),
    steps: str = typer.Option("", help="User counts, comma-separated (default: the preset's)."),
    measure_seconds: float = typer.Option(0, help="Measured seconds per step (0: preset)."),
    workers: int = typer.Option(0, help="Gateway (or gunicorn) workers (0: preset, 1)."),
    locust_processes: int = typer.Option(0, help="Load-generator processes (0: preset, 1)."),
    latency_ms: float = typer.Option(-1, help="Simulated IMVDb latency (default 300 ms)."),
    database: str = typer.Option("", help="auto, mariadb or sqlite (default: preset)."),
    redis: str = typer.Option("", help="auto, on or off (default: preset)."),
    profile_seconds: float = typer.Option(-1, help="py-spy profile length; 0 turns it off."),
    overhead: bool | None = typer.Option(
        None, "--overhead/--no-overhead", help="Rerun gateway_overhead on real endpoints."
    ),
    wait_quiet: float = typer.Option(-1, help="Seconds to wait for a quiet machine per rep."),
    out: Path | None = typer.Option(None, help="Results root (default benchmarks/results)."),
    label: str = typer.Option("", help="Result directory prefix (default: today's date)."),
    notes: Path | None = typer.Option(None, help="Markdown added to the comparison report."),
) -> None:
    """Measure capacity within the SLO for each routing and write the reports."""
    day = label or time.strftime("%Y-%m-%d")
    config = presets.quick(day) if quick else presets.full(day)
    changes: dict[str, object] = {}
    if routings:
        changes["routings"] = tuple(name.strip() for name in routings.split(","))
    if mixes:
        changes["mixes"] = tuple(name.strip() for name in mixes.split(","))
    if repetitions:
        changes["repetitions"] = repetitions
    if steps:
        changes["steps"] = _steps(steps)
    if measure_seconds:
        changes["measure_seconds"] = measure_seconds
    if workers:
        changes["gateway_workers"] = workers
    if locust_processes:
        changes["locust_processes"] = locust_processes
    if latency_ms >= 0:
        changes["latency_ms"] = latency_ms
    if database:
        changes["database"] = database
    if redis:
        changes["redis"] = redis
    if profile_seconds >= 0:
        changes["profile_seconds"] = profile_seconds
    if overhead is not None:
        changes["overhead"] = overhead
    if wait_quiet >= 0:
        changes["wait_quiet_seconds"] = wait_quiet
    if out is not None:
        changes["out"] = out
    config = config.with_changes(**changes)
    # Imported here: the runner pulls in Locust, matplotlib and the migrations, which every
    # other `mvgate` command (this is also its `bench` plugin) should not pay for, and which
    # a production install without the dev extras does not have.
    from benchmarks.capacity.runner import run

    report = run(config, notes.read_text() if notes else "")
    typer.echo(f"report: {report}")


def main() -> None:
    typer.run(bench)


if __name__ == "__main__":
    main()
