"""Shared state through Redis: what one gateway process sees (a rollback, a client's
budget, diffs), every other process applies. Real Redis, real server processes."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.redis_state import RedisState
from gateway.rollback import RollbackEvent
from gateway.window import Tally, slot_seconds
from tests.gateway.conftest import ServerProcess, mvgate, write_table
from tests.gateway.inprocess import client_of, started

pytestmark = pytest.mark.redis

TABLE = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.cutover_apps:create_legacy", threads: 8}
  new: {asgi: "tests.gateway.cutover_apps:create_new"}
rollback: {window: 60, min_requests: 5, error_percent: 20}
routes:
  - {path: /flaky, methods: [GET], backend: new}
  - {path: /hello, methods: [GET], backend: new, rate_limit: {rate: 0.01, burst: 4}}
  - {path: /known, methods: [GET], backend: new, canary: 0, shadow: true, ignore: [query_time]}
"""


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def prefix() -> str:
    return f"mvgate-test-{os.urandom(4).hex()}"


@pytest.fixture
def two_gateways(
    tmp_path: Path, redis_url: str, prefix: str
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    table = tmp_path / "routing_table.yaml"
    write_table(table, TABLE)
    args = mvgate("serve", "--routes", str(table), "--port", "0", "--no-watch", "--no-access-log")
    env = {"REDIS_URL": redis_url, "MVGATE_REDIS_PREFIX": prefix, "MVGATE_STATE_INTERVAL": "0.1"}
    with (
        ServerProcess(args, tmp_path / "a.log", env) as first,
        ServerProcess(args, tmp_path / "b.log", env) as second,
    ):
        yield first, second


def test_a_rollback_seen_by_one_process_is_applied_by_the_other(
    two_gateways: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_gateways
    assert httpx.get(second.url + "/flaky").headers["x-served-by"] == "new"
    # Only the first process sees the failures. The window is shared: with the second
    # process's success, four failures make min_requests (5); once the round has run,
    # the rest are answered by legacy.
    answers = [httpx.get(first.url + "/flaky?fail=1") for _ in range(10)]
    statuses = [answer.status_code for answer in answers]
    failures = statuses.count(500)
    assert failures >= 4 and statuses == [500] * failures + [200] * (10 - failures)
    assert all(a.headers["x-served-by"] == "legacy" for a in answers[failures:])
    # (Had the round not run within the ten requests, the line above checked nothing.)
    wait_until(
        lambda: httpx.get(first.url + "/flaky").headers["x-served-by"] == "legacy",
        "the first process to roll back",
    )
    wait_until(
        lambda: httpx.get(second.url + "/flaky").headers["x-served-by"] == "legacy",
        "the second process to apply the rollback",
    )
    status = httpx.get(second.url + "/_gateway/status").json()
    assert status["shared_state"]["kind"] == "redis"
    event = status["rollbacks"]["active"]["GET /flaky"]
    assert event["reason"] == "errors" and event["by"].endswith(f":{first.pid}")
    assert httpx.get(second.url + "/hello").headers["x-served-by"] == "new"

    # Cleared through the second process: the first one serves new again.
    result = CliRunner().invoke(cli, ["routes", "--clear", "/flaky", "--url", second.url])
    assert result.exit_code == 0, result.output
    assert "cleared: GET /flaky" in result.output
    wait_until(
        lambda: httpx.get(first.url + "/flaky").headers["x-served-by"] == "new",
        "the first process to see the clear",
    )
    assert "this cleared worker" not in result.output  # shared: it reached every process


def test_a_clients_budget_is_shared_by_every_process(
    two_gateways: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_gateways
    statuses = [httpx.get(url + "/hello").status_code for url in [first.url, second.url] * 3]
    assert statuses == [200, 200, 200, 200, 429, 429]
    refused = httpx.get(first.url + "/hello")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_diffs_found_by_one_process_are_reported_by_any(
    two_gateways: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_gateways
    for _ in range(2):
        httpx.get(first.url + "/known")

    def reported() -> bool:
        answer = httpx.get(second.url + "/_gateway/diffs").json()
        return answer["routes"].get("GET /known", {}).get("counts", {}).get("diff") == 2

    wait_until(reported, "the diffs in the second process")
    sample = httpx.get(second.url + "/_gateway/diffs").json()["routes"]["GET /known"]
    assert sample["samples"][0]["differences"][0]["path"] == "$.items[0].title"


# -- the store itself --------------------------------------------------------------------------


def test_the_redis_store_adds_up_processes_and_declares_once(redis_url: str, prefix: str) -> None:
    async def scenario() -> None:
        one, two = RedisState(redis_url, prefix), RedisState(redis_url, prefix)
        try:
            length = slot_seconds(60)
            slot = int(time.time() // length)
            for store, errors in ((one, 1), (two, 3)):
                tally = Tally()
                for number in range(10):
                    tally.observe(500 if number < errors else 200, 0.01 * (number + 1))
                await store.add_tallies({("fp", "new", length, slot): tally})
            total = await one.window("GET /x", "fp", "new", 60)
            assert (total.requests, total.errors) == (20, 4)
            assert total.p95_ms is not None and 90 <= total.p95_ms <= 130

            event = RollbackEvent("GET /x", "/x", "fp", "new", "legacy", "errors", {}, 1.0, "a")
            assert await one.declare(event)
            assert not await two.declare(event)  # one event, whoever saw it second
            await two.refresh()
            assert two.rollbacks["GET /x"].by == "a"
            assert [e.route for e in await two.clear(["GET /x"])] == ["GET /x"]
            await one.refresh()
            assert one.rollbacks == {} and "GET /x" in one.cleared
            # After a clear, the window restarts.
            assert (await one.window("GET /x", "fp", "new", 60)).requests == 0

            one.samples_per_route = 2
            for number in range(5):
                one.count_outcome("GET /x", "diff")
                one.add_sample("GET /x", {"number": number})
            one.learn_noise("GET /x", {"$.nonce"})
            await one.flush()
            report = (await two.diff_report())["GET /x"]
            assert report.counts == {"diff": 5}
            assert [s["number"] for s in report.samples] == [4, 3]
            assert report.noise == ["$.nonce"]

            granted = [await store.take_tokens("client", 0.001, 5, 2) for store in (one, two)]
            granted.append(await one.take_tokens("client", 0.001, 5, 2))
            assert [g for g, _ in granted] == [2, 2, 1]
            assert await two.take_tokens("client", 0.001, 5, 1) == (0, pytest.approx(1000, 1))
        finally:
            await one.close()
            await two.close()

    asyncio.run(scenario())


async def test_without_redis_the_gateway_keeps_serving(tmp_path: Path) -> None:
    """Redis down (nothing listens there): requests are served, limits let them through,
    and the admin surface says what is wrong."""
    table = tmp_path / "routing_table.yaml"
    write_table(table, TABLE)
    async with (
        started(table, redis_url="redis://127.0.0.1:1/0") as gateway,
        client_of(gateway) as client,
    ):
        for _ in range(6):  # over the route's budget of 4: not enforced without the store
            answer = await client.get("/hello")
            assert answer.status_code == 200 and answer.headers["x-served-by"] == "new"
        with pytest.raises(redis.RedisError):
            await gateway.controls.round()
        status = (await client.get("/_gateway/status")).json()
        assert status["shared_state"]["kind"] == "redis"
        assert "Error" in status["shared_state"]["error"]
        assert status["routes"][0]["serving"] == "new"
        diffs = await client.get("/_gateway/diffs")
        assert diffs.status_code == 503 and "unavailable" in diffs.json()["error"]
        page = await client.get("/_gateway/")
        assert page.status_code == 200 and "Shared state unavailable" in page.text
