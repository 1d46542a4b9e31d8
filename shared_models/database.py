"""One DATABASE_URL, two engines: a sync one (pymysql / sqlite) for Flask, Alembic and the
seed, and an async one (aiomysql / aiosqlite) for the FastAPI app and the job workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

_MYSQL_NAMES = {"mysql", "mariadb"}
DATABASE_UNAVAILABLE = "Database unavailable"
# A MariaDB that does not answer a connection within this many seconds is unavailable:
# /api/health must say so within a second, and requests must not queue behind it.
CONNECT_TIMEOUT_SECONDS = 1
HEALTH_TIMEOUT_SECONDS = 1.0
# The health check reads a real table: `SELECT 1` alone would succeed on an SQLite file
# that was replaced by an empty one.
HEALTH_QUERY = "SELECT 1 FROM users LIMIT 1"


def _driver_url(database_url: str, *, asynchronous: bool) -> URL:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend in _MYSQL_NAMES:
        driver = "aiomysql" if asynchronous else "pymysql"
        url = url.set(drivername=f"mysql+{driver}")
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        return url
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite" if asynchronous else "sqlite")
    raise ValueError(
        f"unsupported DATABASE_URL scheme {url.drivername!r}: use sqlite:// or mysql://"
    )


def sync_url(database_url: str) -> URL:
    return _driver_url(database_url, asynchronous=False)


def async_url(database_url: str) -> URL:
    return _driver_url(database_url, asynchronous=True)


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while a download thread writes progress; foreign keys are off
    # by default in SQLite and the cascade rules depend on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _engine_options(database_url: str, pool_size: int) -> dict[str, Any]:
    if is_sqlite(database_url):
        return {"connect_args": {"check_same_thread": False}}
    # pre_ping and recycle survive MariaDB's wait_timeout closing idle connections.
    return {
        "pool_size": pool_size,
        "max_overflow": pool_size,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    }


def is_unavailable(error: BaseException) -> bool:
    """The error says the database cannot be reached or used right now (down, refusing
    this account, out of connections, a lost connection), not that a statement is wrong:
    a 503, which recovers by itself when the database does."""
    return isinstance(
        error, OperationalError | InterfaceError | PoolTimeout
    ) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def create_sync_engine(database_url: str, *, pool_size: int = 10, **kwargs: Any) -> Engine:
    url = sync_url(database_url)
    if url.database and is_sqlite(database_url) and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **(_engine_options(database_url, pool_size) | kwargs))
    if is_sqlite(database_url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_async_db_engine(database_url: str, *, pool_size: int = 20, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(
        async_url(database_url), **(_engine_options(database_url, pool_size) | kwargs)
    )
    if is_sqlite(database_url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def sync_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
