"""Automatic rollback: a route whose new backend answers 5xx, or answers much slower than the
default backend, falls back to the default backend, alone, until an operator clears it or
edits the route."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.app import Gateway
from gateway.cli import app as cli
from gateway.rollback import Thresholds, judge
from gateway.window import Tally
from tests.gateway.conftest import ThreadedServer, write_table
from tests.gateway.inprocess import client_of, started
from tests.gateway.test_shadow import settled

TABLE = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.cutover_apps:create_legacy", threads: 8}
  new: {asgi: "tests.gateway.cutover_apps:create_new"}
rollback:
  window: 60
  min_requests: 5
  error_percent: 20
routes:
  - {path: /flaky, methods: [GET], backend: new}
  - {path: /hello, methods: [GET], backend: new}
  - path: /slow
    methods: [GET]
    backend: new
    shadow: true          # copies to legacy give the default backend's p95 on this route
    rollback: {latency_factor: 3, latency_floor_ms: 50}
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, TABLE)
    return path


async def served_by(client: httpx.AsyncClient, path: str) -> str:
    return (await client.get(path)).headers["x-served-by"]


async def status_of(client: httpx.AsyncClient, path: str) -> dict:  # type: ignore[type-arg]
    status = (await client.get("/_gateway/status")).json()
    return next(route for route in status["routes"] if route["path"] == path)


async def test_5xx_roll_one_route_back_and_clearing_restores_it(
    table: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mvgate.rollback")
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(10):
            assert (await client.get("/flaky", params={"fail": "1"})).status_code == 500
            assert (await client.get("/hello")).status_code == 200
        await gateway.controls.round()

        # The failing route is served by legacy now; the other route of new is untouched.
        answer = await client.get("/flaky", params={"fail": "1"})
        assert answer.status_code == 200 and answer.headers["x-served-by"] == "legacy"
        assert await served_by(client, "/hello") == "new"
        route = await status_of(client, "/flaky")
        assert route["serving"] == "legacy"
        event = route["rollback"]
        assert event["reason"] == "errors" and event["backend"] == "new"
        assert event["figures"]["requests"] == 10 and event["figures"]["errors"] == 10
        assert event["figures"]["error_percent"] == 100.0
        assert route["window"]["new"]["errors"] == 10
        assert (await status_of(client, "/hello"))["rollback"] is None
        metrics = (await client.get("/metrics")).text
        assert 'mvgate_rollbacks_total{reason="errors",route="GET /flaky"} 1.0' in metrics
        assert 'mvgate_route_rolled_back{route="GET /flaky"} 1.0' in metrics
        [logged] = [
            r for r in caplog.records if getattr(r, "fields", {}).get("event") == "rollback"
        ]
        assert logged.fields["route"] == "GET /flaky" and logged.fields["reason"] == "errors"  # type: ignore[attr-defined]

        # Sticky: later rounds keep it, though new gets no traffic there any more.
        for _ in range(3):
            await gateway.controls.round()
        assert await served_by(client, "/flaky") == "legacy"

        cleared = await client.post("/_gateway/rollbacks/clear", params={"path": "/flaky"})
        assert [e["route"] for e in cleared.json()["cleared"]] == ["GET /flaky"]
        assert await served_by(client, "/flaky") == "new"
        # The window restarted at the clear: the old failures do not roll it back again.
        await gateway.controls.round()
        assert await served_by(client, "/flaky") == "new"
        history = (await client.get("/_gateway/status")).json()["rollbacks"]["history"]
        assert [item["event"] for item in history] == ["cleared", "rollback"]
        metrics = (await client.get("/metrics")).text
        assert 'mvgate_route_rolled_back{route="GET /flaky"} 0.0' in metrics


async def test_errors_under_the_threshold_or_too_few_requests_change_nothing(
    table: Path,
) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for number in range(10):  # 1 in 10 fails: 10% < 20%
            await client.get("/flaky", params={"fail": "1"} if number == 0 else {})
        for _ in range(4):  # four failures: under min_requests
            await client.get("/hello", params={"fail": "1"})
        await gateway.controls.round()
        assert await served_by(client, "/flaky") == "new"
        assert (await status_of(client, "/flaky"))["window"]["new"]["error_percent"] == 10.0


async def test_a_much_slower_route_is_rolled_back_for_latency(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(6):  # new sleeps 0.3 s; legacy (the shadow copy) answers at once
            response = await client.get("/slow", params={"seconds": "0.3"})
            assert response.headers["x-served-by"] == "new"
            await client.get("/hello")
        await settled(gateway)
        await gateway.controls.round()
        assert await served_by(client, "/slow") == "legacy"
        assert await served_by(client, "/hello") == "new"
        event = (await status_of(client, "/slow"))["rollback"]
    assert event["reason"] == "latency"
    figures = event["figures"]
    # The event carries the figures the verdict was taken on, and they meet its own rule
    # (the durations themselves are the machine's business, not this test's).
    assert (figures["threshold_latency_factor"], figures["threshold_latency_floor_ms"]) == (3, 50)
    assert figures["p95_ms"] > figures["threshold_latency_factor"] * figures["default_p95_ms"]
    assert figures["p95_ms"] > figures["threshold_latency_floor_ms"]


async def test_fast_answers_are_not_rolled_back_for_latency(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(8):
            await client.get("/slow", params={"seconds": "0"})
        await settled(gateway)
        await gateway.controls.round()
        assert await served_by(client, "/slow") == "new"
        window = (await status_of(client, "/slow"))["window"]
    # Both backends were measured on this route; whatever their ratio, both are fast
    # (the floor keeps sub-millisecond jitter from counting as a slowdown).
    assert window["new"]["requests"] >= 8 and window["legacy"]["requests"] >= 8


async def test_editing_the_route_clears_its_rollback(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(6):
            await client.get("/flaky", params={"fail": "1"})
        await gateway.controls.round()
        assert await served_by(client, "/flaky") == "legacy"
        write_table(
            table,
            TABLE.replace(
                "{path: /flaky, methods: [GET], backend: new}",
                "{path: /flaky, methods: [GET], backend: new, rollback: {error_percent: 50}}",
            ),
        )
        assert (await gateway.live.reload("edited")).result == "ok"
        assert await served_by(client, "/flaky") == "new"
        await gateway.controls.round()  # a fresh window: the old failures are not in it
        assert await served_by(client, "/flaky") == "new"


async def test_overridden_requests_do_not_count(table: Path) -> None:
    write_table(table, TABLE + "overrides:\n  header: X-Mvgate-Backend\n")
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(10):  # a tester's failures on new are not users' failures
            await client.get("/flaky", params={"fail": "1"}, headers={"X-Mvgate-Backend": "new"})
        await gateway.controls.round()
        assert await served_by(client, "/flaky") == "new"


def test_mvgate_routes_shows_and_clears_a_rollback(
    table: Path, make_gateway: Callable[..., Gateway]
) -> None:
    with ThreadedServer(make_gateway(table, watch=False, state_interval=0.05)) as url:
        for _ in range(6):
            httpx.get(url + "/flaky?fail=1")
        for _ in range(500):
            if httpx.get(url + "/_gateway/status").json()["rollbacks"]["active"]:
                break
            time.sleep(0.02)
        assert httpx.get(url + "/flaky").headers["x-served-by"] == "legacy"
        shown = CliRunner().invoke(cli, ["routes", "-r", str(table), "--url", url, "--json"])
        assert shown.exit_code == 0, shown.output
        assert '"reason": "errors"' in shown.output
        cleared = CliRunner().invoke(cli, ["routes", "--clear", "/flaky", "--url", url])
        assert cleared.exit_code == 0, cleared.output
        assert "cleared: GET /flaky goes back to new (rolled back for errors)" in cleared.output
        assert httpx.get(url + "/flaky").headers["x-served-by"] == "new"
        unknown = CliRunner().invoke(cli, ["routes", "--clear", "/nowhere", "--url", url])
        assert unknown.exit_code == 1 and "no route with the path" in unknown.output


def test_the_rule() -> None:
    limits = Thresholds(True, 60, 5, 20.0, 3.0, 50.0)

    def tally(requests: int, errors: int, seconds: float) -> Tally:
        figures = Tally()
        for number in range(requests):
            figures.observe(500 if number < errors else 200, seconds)
        return figures

    assert judge(limits, tally(4, 4, 0.01), tally(10, 0, 0.01)) is None  # too few
    assert judge(limits, tally(10, 2, 0.01), tally(10, 0, 0.01)) is None  # 20% is not > 20%
    verdict = judge(limits, tally(10, 3, 0.01), tally(0, 0, 0))
    assert verdict is not None and verdict.reason == "errors"
    slow = judge(limits, tally(10, 0, 0.4), tally(10, 0, 0.01))
    assert slow is not None and slow.reason == "latency"
    assert judge(limits, tally(10, 0, 0.4), tally(4, 0, 0.01)) is None  # baseline too thin
    assert judge(limits, tally(10, 0, 0.04), tally(10, 0, 0.001)) is None  # under the floor
    assert judge(limits, tally(10, 0, 0.25), tally(10, 0, 0.1)) is None  # 2.5x < 3x
