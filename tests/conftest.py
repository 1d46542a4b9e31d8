"""Fixtures every suite shares: databases (SQLite and the real MariaDB), Redis, media root.

Each pytest run gets its own MariaDB database and its own Redis DB index, so two runs on one
machine (or a run next to a developer's `make run`) never see each other's data.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
import redis
from sqlalchemy import Engine, delete
from sqlalchemy.engine import make_url

from shared_models.database import create_sync_engine
from shared_models.migrate import upgrade
from shared_models.models import Base
from shared_models.settings import Settings

pytest_plugins = ["tests.fixtures.media", "tests.fixtures.upstreams"]

MARIADB_URL = os.environ.get("MVIDARR_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("MVIDARR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_TOKEN = f"{os.getpid()}_{secrets.token_hex(3)}"


def _mariadb_admin_connection() -> pymysql.Connection:
    url = make_url(MARIADB_URL)
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        connect_timeout=3,
    )


@pytest.fixture(scope="session")
def mariadb_database_url() -> Iterator[str]:
    """A fresh MariaDB database for this run, migrated to head; dropped afterwards."""
    try:
        admin = _mariadb_admin_connection()
    except pymysql.err.OperationalError as error:
        pytest.skip(f"MariaDB is not reachable at {MARIADB_URL}: {error}")
    name = f"mvt_{RUN_TOKEN}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    url = make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'mvidarr.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "mariadb"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every test that takes this runs on SQLite and on the real MariaDB."""
    if request.param == "mariadb":
        request.applymarker(pytest.mark.mariadb)
        return request.getfixturevalue("mariadb_database_url")
    return request.getfixturevalue("sqlite_database_url")


_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = create_sync_engine(url)
    return _engines[url]


def empty_all_tables(url: str) -> None:
    with engine_for(url).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    """The sync engine of a database emptied before the test."""
    empty_all_tables(database_url)
    yield engine_for(database_url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis DB index claimed for this run (1-15), flushed before and after."""
    control = redis.Redis.from_url(REDIS_URL)
    try:
        control.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    for index in range(1, 16):
        if control.set(f"mvidarr-test-claim:{index}", RUN_TOKEN, nx=True, ex=3600):
            break
    else:
        pytest.fail("all Redis DB indexes 1-15 are claimed by other test runs")
    url = make_url(REDIS_URL).set(database=str(index)).render_as_string(hide_password=False)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    control.delete(f"mvidarr-test-claim:{index}")


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def make_settings(tmp_path: Path, media_root: Path):
    """Build Settings for a test: isolated data dir and media root, a fixed secret."""

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "media_root": media_root,
            "secret_key": "test-secret-key",
            "allow_private_download_hosts": True,
        }
        values.update(overrides)
        return Settings(**values)

    return build
