"""Per-request override: a header or cookie names the backend; it beats rollbacks and
canaries; a name the table does not know is ignored and logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gateway.rollback import RollbackEvent
from tests.gateway.conftest import write_table
from tests.gateway.inprocess import client_of, started

TABLE = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.cutover_apps:create_legacy", threads: 4}
  new: {asgi: "tests.gateway.cutover_apps:create_new"}
overrides:
  header: X-Mvgate-Backend
  cookie: mvgate_backend
routes:
  - path: /hello
    methods: [GET]
    backend: legacy
  - path: /items/{item_id:int}
    methods: [GET]
    backend: new
    canary: 0
  - path: /flaky
    methods: [GET]
    backend: new
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, TABLE)
    return path


async def test_the_header_or_the_cookie_pins_a_request_to_a_backend(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        assert (await client.get("/hello")).headers["x-served-by"] == "legacy"
        pinned = await client.get("/hello", headers={"X-Mvgate-Backend": "new"})
        assert pinned.headers["x-served-by"] == "new" and pinned.json() == {"app": "new"}
        by_cookie = await client.get("/hello", headers={"Cookie": "mvgate_backend=new"})
        assert by_cookie.headers["x-served-by"] == "new"
        # The header wins over the cookie; unmatched paths follow the override too.
        both = await client.get(
            "/hello", headers={"X-Mvgate-Backend": "legacy", "Cookie": "mvgate_backend=new"}
        )
        assert both.headers["x-served-by"] == "legacy"
        unmatched = await client.get("/same", headers={"X-Mvgate-Backend": "new"})
        assert unmatched.headers["x-served-by"] == "new"


async def test_the_override_beats_the_canary_and_an_active_rollback(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        # canary: 0 -> nobody goes to new, except a tester who asks for it.
        assert (await client.get("/items/1")).headers["x-served-by"] == "legacy"
        pinned = await client.get("/items/1", headers={"X-Mvgate-Backend": "new"})
        assert pinned.headers["x-served-by"] == "new"

        entry = next(e for e in gateway.live.current.routes if e.route.path == "/flaky")
        event = RollbackEvent(
            entry.label, "/flaky", entry.fingerprint, "new", "legacy", "errors", {}, 0.0, "test"
        )
        assert await gateway.controls.state.declare(event)
        assert (await client.get("/flaky")).headers["x-served-by"] == "legacy"
        pinned = await client.get("/flaky", headers={"X-Mvgate-Backend": "new"})
        assert pinned.headers["x-served-by"] == "new"


async def test_an_unknown_name_is_ignored_and_logged(
    table: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mvgate.override")
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(3):
            response = await client.get("/hello", headers={"X-Mvgate-Backend": "nwe"})
            assert response.status_code == 200
            assert response.headers["x-served-by"] == "legacy"  # routed as if not asked
        cookie = await client.get("/hello", headers={"Cookie": "mvgate_backend=<script>"})
        assert cookie.headers["x-served-by"] == "legacy"
        metrics = (await client.get("/metrics")).text
    lines = [r.getMessage() for r in caplog.records if r.name == "mvgate.override"]
    assert len([line for line in lines if "'nwe'" in line]) == 1  # once, not per request
    assert any("'<script>'" in line for line in lines)
    assert "mvgate_override_ignored_total 4.0" in metrics


async def test_without_overrides_in_the_table_the_header_means_nothing(table: Path) -> None:
    write_table(
        table,
        TABLE.replace("overrides:\n  header: X-Mvgate-Backend\n  cookie: mvgate_backend\n", ""),
    )
    async with started(table) as gateway, client_of(gateway) as client:
        response = await client.get("/hello", headers={"X-Mvgate-Backend": "new"})
        assert response.headers["x-served-by"] == "legacy"
