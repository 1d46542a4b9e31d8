"""`mvgate worker`: run the arq worker pool process (plugged into the gateway's CLI through
the `mvgate.commands` entry points)."""

from __future__ import annotations

import logging.config

import typer
from arq.connections import RedisSettings
from arq.logs import default_log_config
from arq.worker import run_worker

from shared_models.settings import get_settings


def worker_command(
    max_jobs: int | None = typer.Option(
        None, "--max-jobs", min=1, help="Jobs run at once (default JOB_WORKER_MAX_JOBS, 4)."
    ),
    burst: bool = typer.Option(False, "--burst", help="Exit once the queue is empty."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every job."),
) -> None:
    """Run a job worker against REDIS_URL (start more to scale out)."""
    redis_url = get_settings().redis_url
    if not redis_url:
        typer.echo(
            "REDIS_URL is not set: without Redis the app runs its jobs itself, "
            "and no worker is needed.",
            err=True,
        )
        raise typer.Exit(2)
    logging.config.dictConfig(default_log_config(verbose))
    # Imported here: the CLI must start fast for the other commands.
    from new_app.jobs.worker import WorkerSettings

    overrides: dict[str, object] = {"redis_settings": RedisSettings.from_dsn(redis_url)}
    if max_jobs:
        overrides["max_jobs"] = max_jobs
    if burst:
        overrides["burst"] = True
    run_worker(WorkerSettings, **overrides)  # type: ignore[arg-type]
