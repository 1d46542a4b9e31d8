"""Rate limits: a token bucket per client, table-wide or per route; a client over its budget
gets 429 with Retry-After in the contract's error shape, and nobody else notices."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ratelimit import Bucket, retry_after
from tests.gateway.conftest import write_table
from tests.gateway.inprocess import client_of, started

TABLE = """\
version: 1
default: blue
backends:
  blue: {asgi: "tests.gateway.apps:blue"}
  green: {asgi: "tests.gateway.apps:green"}
rate_limit: {rate: 0.01, burst: 3}     # a budget of 3, then one every 100 s
routes:
  - {path: /hello, methods: [GET], backend: green}
  - path: /items/{item_id:int}
    methods: [GET]
    backend: green
    rate_limit: {rate: 0.01, burst: 5, key: user}
  - {path: /state, methods: [GET], backend: green, rate_limit: false}
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, TABLE)
    return path


async def test_a_client_over_its_budget_gets_429_and_others_are_unaffected(
    table: Path,
) -> None:
    async with (
        started(table) as gateway,
        client_of(gateway, "198.51.100.1") as greedy,
        client_of(gateway, "198.51.100.2") as polite,
    ):
        for _ in range(3):
            assert (await greedy.get("/hello")).status_code == 200
        refused = await greedy.get("/hello")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "100"
        assert refused.json() == {"error": "rate limit exceeded: retry in 100 s"}
        assert refused.headers["content-type"] == "application/json"
        assert refused.headers["x-served-by"] == "gateway"
        assert refused.headers["x-request-id"]
        # The table-wide budget covers every request of that client, matched or not.
        assert (await greedy.get("/nowhere")).status_code == 429
        # Another client, and a route exempt from limits, are unaffected.
        for _ in range(3):
            answer = await polite.get("/hello")
            assert answer.status_code == 200 and answer.headers["x-served-by"] == "green"
        for _ in range(10):
            assert (await greedy.get("/state")).status_code == 200
        async with client_of(gateway) as admin:  # the admin surface answers loopback only
            metrics = (await admin.get("/metrics")).text
    assert 'mvgate_rate_limited_total{route="GET /hello"} 1.0' in metrics
    assert 'mvgate_rate_limited_total{route="(unmatched)"} 1.0' in metrics
    assert (
        'mvgate_requests_total{backend="gateway",method="GET",route="GET /hello",status="429"} 1.0'
        in metrics
    )


async def test_a_route_budget_by_user_is_its_own(table: Path) -> None:
    one, other = "mvgate_uid=" + "1a" * 16, "mvgate_uid=" + "2b" * 16
    async with started(table) as gateway, client_of(gateway, "198.51.100.7") as client:
        statuses = []
        for _ in range(6):
            client.cookies.clear()
            statuses.append((await client.get("/items/1", headers={"Cookie": one})).status_code)
        assert statuses == [200] * 5 + [429]
        client.cookies.clear()  # same address, another user: a budget of its own
        assert (await client.get("/items/1", headers={"Cookie": other})).status_code == 200
        # The route's bucket is not the table-wide one: that one is still full.
        for _ in range(3):
            assert (await client.get("/hello")).status_code == 200


async def test_without_rate_limit_nothing_is_refused(table: Path) -> None:
    write_table(table, TABLE.replace("rate_limit: {rate: 0.01, burst: 3}", ""))
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(20):
            assert (await client.get("/hello")).status_code == 200


def test_buckets_refill_at_their_rate_up_to_the_burst() -> None:
    bucket = Bucket(tokens=0.0, at=100.0, rate=2.0, burst=5)
    assert bucket.refilled(100.0) == 0.0
    assert bucket.refilled(101.25) == 2.5
    assert bucket.refilled(1000.0) == 5.0
    assert [retry_after(w) for w in (0.001, 0.5, 1.0, 1.01, 99.2)] == [1, 1, 1, 2, 100]
