"""The async engine's liveness check, paid only where it can matter.

SQLAlchemy's `pool_pre_ping` sends a ping before every checkout: with one checkout per
request that is one more database round trip per request, a third of a thumbnail's. A
connection back in the pool a moment ago is alive; one that sat idle may have been closed
by the server (`wait_timeout`, a restart). So the ping runs only for a connection idle
longer than IDLE_PING_SECONDS, and a failed one is replaced before the request sees it
(the pool's documented "custom pessimistic ping": raising DisconnectionError at checkout
makes it retry with a fresh connection). `pool_recycle` still retires old connections.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_models.database import create_async_db_engine, is_sqlite

IDLE_PING_SECONDS = 10.0
IDLE_SINCE = "mvidarr.idle_since"


def create_engine_pinging_idle(database_url: str) -> AsyncEngine:
    """The shared async engine settings, with pings only after idleness (not SQLite)."""
    if is_sqlite(database_url):
        return create_async_db_engine(database_url)
    engine = create_async_db_engine(database_url, pool_pre_ping=False)
    ping_idle_connections(engine)
    return engine


def ping_idle_connections(engine: AsyncEngine) -> None:
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since <= IDLE_PING_SECONDS:
            return  # new, or back in the pool a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises for a dead socket
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()
