"""What every benchmark stands on: free ports, waiting for a process to answer, a database
of its own (MariaDB when it answers on 127.0.0.1, else a SQLite file) and, optionally, a
Redis DB index of its own.

Nothing here touches another user's data: the MariaDB database is created for the run and
dropped after it, and the Redis index is claimed with the same `mvidarr-test-claim:<n>`
keys the test suite uses, so a benchmark and a test run never flush each other's index.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pymysql
import redis
from sqlalchemy.engine import make_url

MARIADB_URL = os.environ.get("MVBENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306/")
REDIS_URL = os.environ.get("MVBENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CLAIM_KEY = "mvidarr-test-claim:{index}"
CLAIM_SECONDS = 6 * 3600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Until `url` answers at all; fails at once if `process` exits first."""
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


def _mariadb_admin() -> pymysql.Connection:
    url = make_url(MARIADB_URL)
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        connect_timeout=3,
        autocommit=True,
    )


def mariadb_available() -> bool:
    try:
        _mariadb_admin().close()
    except pymysql.err.MySQLError:
        return False
    return True


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class Database:
    """A database for the run, emptied (recreated) before each repetition."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self.name = f"mvbench_{os.getpid()}_{secrets.token_hex(3)}"

    @property
    def url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / 'mvidarr.db'}"
        return make_url(MARIADB_URL).set(database=self.name).render_as_string(hide_password=False)

    def recreate(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.workdir / f"mvidarr.db{suffix}").unlink(missing_ok=True)
            return
        admin = _mariadb_admin()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
                cursor.execute(
                    f"CREATE DATABASE `{self.name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        finally:
            admin.close()

    def drop(self) -> None:
        if self.kind == "sqlite":
            return
        admin = _mariadb_admin()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        finally:
            admin.close()


@contextmanager
def claimed_redis() -> Iterator[str]:
    """A Redis URL on a DB index (1-15) claimed for this run, flushed before and after."""
    control = redis.Redis.from_url(REDIS_URL)
    token = f"mvbench-{os.getpid()}-{secrets.token_hex(3)}"
    for index in range(15, 0, -1):  # from the top: the test suite claims from the bottom
        if control.set(CLAIM_KEY.format(index=index), token, nx=True, ex=CLAIM_SECONDS):
            break
    else:
        raise RuntimeError("every Redis DB index 1-15 is claimed by another run")
    url = make_url(REDIS_URL).set(database=str(index)).render_as_string(hide_password=False)
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        if control.get(CLAIM_KEY.format(index=index)) == token.encode():
            control.delete(CLAIM_KEY.format(index=index))
