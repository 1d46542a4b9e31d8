"""What the job benchmarks stand on: a scratch database (MariaDB, else SQLite), the
simulated upstreams, and server/worker processes started and stopped around a block
(a Redis DB index of their own comes from `benchmarks.local_services.claimed_redis`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from benchmarks.local_services import Database, free_port, mariadb_available, wait_until_up

REPO = Path(__file__).resolve().parents[2]
MVGATE = str(Path(sys.executable).with_name("mvgate"))


@contextlib.contextmanager
def running(
    command: list[str], env: dict[str, str], probe: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """The process runs (and `probe` answers, if given) until the block ends."""
    process = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        if probe is not None:
            wait_until_up(probe, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def simulator() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.upstreams", "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    root = f"http://127.0.0.1:{port}"
    with running(command, dict(os.environ), probe=f"{root}/_sim/stats"):
        yield root


@contextlib.contextmanager
def scratch_database(folder: Path, use_sqlite: bool) -> Iterator[str]:
    """A fresh MariaDB database (dropped afterwards), or a SQLite file in `folder`."""
    kind = "sqlite" if use_sqlite or not mariadb_available() else "mariadb"
    if kind == "sqlite" and not use_sqlite:
        print("MariaDB unreachable: using SQLite")
    database = Database(kind, folder)
    database.recreate()
    try:
        yield database.url
    finally:
        database.drop()
