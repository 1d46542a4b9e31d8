"""Locust as the load generator: headless, in its own process(es), driven by the step load
of `benchmarks/locustfiles/shape.py`; the steps it measured come back as JSON lines.

Locust is only ever imported in that process: importing it patches the standard library
with gevent, which the runner (threads, subprocesses) must not get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from benchmarks.capacity.stack import REPO, Managed
from benchmarks.locustfiles.plan import Plan

LOCUSTFILE = REPO / "benchmarks" / "locustfiles" / "mvidarr.py"


@contextmanager
def locust(
    base_url: str,
    plan: Plan,
    library_file: Path,
    workdir: Path,
    processes: int,
) -> Iterator[tuple[Managed, Path]]:
    """Start Locust; yields the process and the file its step lines are written to."""
    steps_file = workdir / "steps.jsonl"
    steps_file.unlink(missing_ok=True)
    env = dict(os.environ)
    env |= {
        "MVBENCH_PLAN": json.dumps(asdict(replace(plan, out=str(steps_file)))),
        "MVBENCH_LIBRARY": str(library_file),
        "MVBENCH_LOCUST_PROCESSES": str(processes),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--host", base_url, "--loglevel", "WARNING", "--only-summary"]
    command += ["--exit-code-on-error", "0", "--stop-timeout", "10"]
    if processes > 1:
        command += ["--processes", str(processes)]
    log = workdir / "locust.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=handle)
    runner = Managed("locust", process, log)
    try:
        yield runner, steps_file
    finally:
        runner.stop()


def read_steps(steps_file: Path) -> list[dict[str, Any]]:
    if not steps_file.exists():
        return []
    return [json.loads(line) for line in steps_file.read_text().splitlines() if line.strip()]
