"""The async engine pings a pooled connection only after it sat idle, and replaces one the
server closed meanwhile before a request sees it (MariaDB, real KILL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from new_app import idle_ping
from new_app.idle_ping import create_engine_pinging_idle


async def test_a_connection_the_server_killed_while_idle_is_replaced_unseen(
    mariadb_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine_pinging_idle(mariadb_database_url)
    try:
        async with engine.connect() as killer:  # held: the other connection is a second one
            async with engine.connect() as connection:
                first_id = await connection.scalar(text("SELECT CONNECTION_ID()"))
            # Back in the pool first, so handed out first (the pool is FIFO): then killed.
            await killer.execute(text(f"KILL {int(first_id)}"))
        monkeypatch.setattr(idle_ping, "IDLE_PING_SECONDS", 0.0)  # everything counts as idle
        async with engine.connect() as connection:
            answered = await connection.scalar(text("SELECT CONNECTION_ID()"))
        assert answered != first_id
    finally:
        await engine.dispose()


async def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(
    mariadb_database_url: str,
) -> None:
    engine = create_engine_pinging_idle(mariadb_database_url)
    pings: list[object] = []
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping

    def counting_ping(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return original(dbapi_connection)

    dialect.do_ping = counting_ping  # type: ignore[method-assign]
    try:
        for _ in range(3):
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
        assert pings == []
    finally:
        await engine.dispose()
