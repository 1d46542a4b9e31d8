"""The cutover controls' keys in the routing table: defaults, inheritance (route <- table <-
built-in), and every mistake refused with its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.live_table import compile_routes
from gateway.validation import TableError, validate_text
from tests.gateway.conftest import write_table
from tests.gateway.inprocess import started

BASE = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.cutover_apps:create_legacy"}
  new: {asgi: "tests.gateway.cutover_apps:create_new"}
"""

FULL = (
    BASE
    + """\
overrides: {header: X-Mvgate-Backend, cookie: mvgate_backend}
users: {hook: "tests.gateway.cutover_apps:user_of", cookie: uid, max_age: 86400}
shadow: {max_in_flight: 2, noise_sample: 5, max_body_bytes: 4096, timeout: 3, samples: 7}
rollback: {window: 30, min_requests: 50, error_percent: 2}
rate_limit: {rate: 20, burst: 40}
routes:
  - path: /known
    methods: [GET]
    backend: new
    canary: 10
    shadow: 25
    ignore: [query_time, "$.items[*].updated_at"]
    rollback: {error_percent: 10, latency_factor: 2}
    rate_limit: {rate: 5, key: user}
  - {path: /hello, methods: [GET], backend: new, rollback: false, rate_limit: false}
  - {path: /same, methods: [GET], backend: legacy}
"""
)


def test_every_key_with_its_inherited_values() -> None:
    table = validate_text(FULL, "table.yaml")
    assert table.users.cookie == "uid" and table.shadow.samples == 7
    known, hello, same = compile_routes(table)[2]
    assert known.limits.window == 30 and known.limits.min_requests == 50  # from the table
    assert known.limits.error_percent == 10 and known.limits.latency_factor == 2  # its own
    assert known.limits.latency_floor_ms == 20  # built-in
    assert known.watched and known.shadow_share == 0.25
    assert known.rate_limit is not None and known.rate_limit.capacity == 5  # burst: ceil(rate)
    assert known.rate_scope == "GET /known"  # a bucket of its own
    assert known.ignore.matches(("items", 3, "updated_at"))
    assert not hello.watched and hello.rate_limit is None  # rollback: false, rate_limit: false
    assert same.rate_limit is not None and same.rate_limit.rate == 20 and same.rate_scope == "*"
    assert not same.watched  # on the default backend: nothing to roll back


def test_defaults() -> None:
    table = validate_text(BASE + "routes:\n  - {path: /a, backend: new, shadow: true}\n", "t")
    assert table.users.cookie == "mvgate_uid" and table.users.max_age == 400 * 24 * 3600
    assert (table.shadow.max_in_flight, table.shadow.noise_sample) == (8, 10)
    assert (table.shadow.max_body_bytes, table.shadow.timeout) == (1024 * 1024, 10)
    assert table.rate_limit is None
    [entry] = compile_routes(table)[2]
    assert entry.shadow_share == 1.0
    limits = entry.limits
    assert (limits.window, limits.min_requests, limits.error_percent) == (60, 20, 5)
    assert (limits.latency_factor, limits.latency_floor_ms, limits.enabled) == (3, 20, True)


def test_editing_a_route_or_a_threshold_it_inherits_changes_its_fingerprint() -> None:
    route = "routes:\n  - {path: /a, methods: [GET], backend: new}\n"
    first = compile_routes(validate_text(BASE + route, "t"))[2][0].fingerprint
    same = compile_routes(validate_text(BASE + route, "t"))[2][0].fingerprint
    edited = compile_routes(validate_text(BASE + route.replace("}", ", canary: 5}"), "t"))
    inherited = compile_routes(validate_text(BASE + "rollback: {window: 10}\n" + route, "t"))
    assert first == same
    assert edited[2][0].fingerprint != first and inherited[2][0].fingerprint != first


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "shadow: {max_in_flight: 0}\n",
            ["table.yaml:6: shadow.max_in_flight: Input should be greater than or equal to 1"],
        ),
        ("shadow: {colour: 1}\n", ["table.yaml:6: shadow.colour: unknown key 'colour'"]),
        (
            "rollback: {error_percent: 150}\n",
            ["table.yaml:6: rollback.error_percent: Input should be less than or equal to 100"],
        ),
        ("rate_limit: {burst: 3}\n", ["table.yaml:6: rate_limit.rate: missing key 'rate'"]),
        (
            "rate_limit: {rate: 1, key: session}\n",
            ["table.yaml:6: rate_limit.key: Input should be 'ip' or 'user'"],
        ),
        (
            "users: {cookie: 'bad cookie'}\n",
            ["table.yaml:6: users.cookie: 'bad cookie' is not a valid cookie name"],
        ),
        (
            "routes:\n  - {path: /a, backend: new, ignore: ['$..x']}\n",
            ["table.yaml:7: routes[0] (/a): ignore: ignore '$..x': cannot read the path "
             "from '..x'"],
        ),
        (
            "routes:\n  - {path: /a, backend: new, rollback: {latency_factor: 0.5}}\n",
            ["table.yaml:7: routes[0] (/a): rollback.latency_factor: Input should be greater "
             "than or equal to 1"],
        ),
        (
            "routes:\n  - {path: /a, backend: new, rate_limit: true}\n",
            ["table.yaml:7: routes[0] (/a): rate_limit: rate_limit is a mapping "
             "{rate:, burst:, key:} or false"],
        ),
        (
            "routes:\n  - {path: /a, backend: new, rate_limit: {rate: 0}}\n",
            ["table.yaml:7: routes[0] (/a): rate_limit.rate: Input should be greater than 0"],
        ),
    ],
)  # fmt: skip
def test_mistakes_are_refused_with_their_line(extra: str, expected: list[str]) -> None:
    with pytest.raises(TableError) as raised:
        validate_text(BASE + extra, "table.yaml")
    assert raised.value.messages == expected


async def test_a_user_hook_that_cannot_be_imported_refuses_the_table(tmp_path: Path) -> None:
    table = tmp_path / "routing_table.yaml"
    write_table(table, BASE + "users: {hook: 'tests.gateway.cutover_apps:nobody'}\n")
    with pytest.raises(TableError) as raised:
        async with started(table):
            pass
    [message] = raised.value.messages
    assert message.startswith(f"{table}:6: users.hook: ")
    assert "has no attribute 'nobody'" in message
    result = CliRunner().invoke(cli, ["check", str(table)])
    assert result.exit_code == 1 and "users.hook" in result.output
    assert CliRunner().invoke(cli, ["check", str(table), "--no-imports"]).exit_code == 0
