"""The database goes away and comes back, with real parts: a MariaDB account of its own
that the test locks (and its connections killed), then unlocks. Meanwhile both apps answer
/api/health 503 and every data endpoint 503 `{"error": "Database unavailable"}`; afterwards
both answer 200 again, without a restart."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pymysql
import pytest
from sqlalchemy.engine import make_url

from legacy_flask.app import create_app as create_legacy_app
from new_app.main import create_app as create_new_app
from shared_models.migrate import upgrade
from tests.conftest import MARIADB_URL
from tests.new_app.conftest import client_for, running

DATA_PATHS = ["/api/videos/", "/api/artists/", "/api/playlists/", "/api/settings/"]
UNAVAILABLE = {"error": "Database unavailable"}


def admin() -> pymysql.Connection:
    url = make_url(MARIADB_URL)
    return pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
        autocommit=True,
    )  # fmt: skip


class BreakableDatabase:
    """A database and an account only this test uses."""

    def __init__(self) -> None:
        suffix = secrets.token_hex(4)
        self.name, self.user, self.password = f"gone_{suffix}", f"gone_{suffix}", suffix * 2
        with admin().cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
            cursor.execute(f"CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}'")
            cursor.execute(f"GRANT ALL ON `{self.name}`.* TO '{self.user}'@'%'")
        base = make_url(MARIADB_URL)
        self.url = str(
            base.set(username=self.user, password=self.password, database=self.name)
        ).replace("***", self.password)
        upgrade(self.url)

    def break_(self) -> None:
        with admin().cursor() as cursor:
            cursor.execute(f"ALTER USER '{self.user}'@'%' ACCOUNT LOCK")
            cursor.execute(
                "SELECT id FROM information_schema.processlist WHERE user = %s", (self.user,)
            )
            for (connection_id,) in cursor.fetchall():
                cursor.execute(f"KILL {int(connection_id)}")

    def restore(self) -> None:
        with admin().cursor() as cursor:
            cursor.execute(f"ALTER USER '{self.user}'@'%' ACCOUNT UNLOCK")

    def drop(self) -> None:
        with admin().cursor() as cursor:
            cursor.execute(f"DROP USER IF EXISTS '{self.user}'@'%'")
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")


@pytest.fixture
def database() -> Iterator[BreakableDatabase]:
    database = BreakableDatabase()
    yield database
    database.drop()


def test_legacy_answers_503_while_the_database_is_gone_and_recovers(
    database: BreakableDatabase, make_settings
) -> None:
    client = create_legacy_app(make_settings(database_url=database.url)).test_client()
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/videos/").status_code == 200
    database.break_()
    try:
        started = time.monotonic()
        health = client.get("/api/health")
        print(f"legacy /api/health with the database gone: {time.monotonic() - started:.3f} s")
        assert health.status_code == 503 and health.get_json()["error"] == UNAVAILABLE["error"]
        assert client.get("/api/health/system").get_json()["database"] == {"ok": False}
        for path in DATA_PATHS:
            answer = client.get(path)
            assert (answer.status_code, answer.get_json()) == (503, UNAVAILABLE), path
    finally:
        database.restore()
    assert client.get("/api/health").status_code == 200
    assert [client.get(path).status_code for path in DATA_PATHS] == [200] * len(DATA_PATHS)


async def test_new_app_answers_503_while_the_database_is_gone_and_recovers(
    database: BreakableDatabase, make_settings
) -> None:
    app = create_new_app(make_settings(database_url=database.url, redis_url=None))
    async with running(app), client_for(app) as client:
        assert (await client.get("/api/health")).status_code == 200
        assert (await client.get("/api/videos/")).status_code == 200
        database.break_()
        try:
            started = time.monotonic()
            health = await client.get("/api/health")
            print(f"new /api/health with the database gone: {time.monotonic() - started:.3f} s")
            assert health.status_code == 503 and health.json()["error"] == UNAVAILABLE["error"]
            system = await client.get("/api/health/system")
            assert system.json()["database"] == {"ok": False}
            for path in DATA_PATHS:
                answer = await client.get(path)
                assert (answer.status_code, answer.json()) == (503, UNAVAILABLE), path
        finally:
            database.restore()
        assert (await client.get("/api/health")).status_code == 200
        statuses = [(await client.get(path)).status_code for path in DATA_PATHS]
        assert statuses == [200] * len(DATA_PATHS)
