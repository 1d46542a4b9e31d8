"""What the job benchmarks stand on: a scratch database (MariaDB, else SQLite), a Redis DB
index of their own, the simulated upstreams, and server/worker processes started and
stopped around a block."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pymysql
import redis
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
MVGATE = str(Path(sys.executable).with_name("mvgate"))
MARIADB_URL = os.environ.get("MVIDARR_BENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306/")
REDIS_URL = os.environ.get("MVIDARR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# Test runs claim Redis DB indexes with these keys; the benchmark plays by the same rule.
CLAIM_KEY = "mvidarr-test-claim:{index}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


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
    if not use_sqlite:
        url = make_url(MARIADB_URL)
        try:
            admin = pymysql.connect(
                host=url.host or "127.0.0.1",
                port=url.port or 3306,
                user=url.username or "root",
                password=url.password or "",
                connect_timeout=3,
            )
        except pymysql.err.OperationalError as error:
            print(f"MariaDB unreachable ({error}): using SQLite")
        else:
            name = f"mvbench_{secrets.token_hex(4)}"
            with admin.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            try:
                yield url.set(database=name).render_as_string(hide_password=False)
            finally:
                with admin.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
                admin.close()
            return
    yield f"sqlite:///{folder / 'mvidarr.db'}"


@contextlib.contextmanager
def redis_index() -> Iterator[str]:
    """A Redis DB index nobody else claimed (1-15), flushed before and after."""
    control = redis.Redis.from_url(REDIS_URL)
    token = secrets.token_hex(4)
    for index in range(15, 0, -1):
        if control.set(CLAIM_KEY.format(index=index), token, nx=True, ex=3600):
            break
    else:
        raise RuntimeError("every Redis DB index 1-15 is claimed")
    url = make_url(REDIS_URL).set(database=str(index)).render_as_string(hide_password=False)
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        control.delete(CLAIM_KEY.format(index=index))
