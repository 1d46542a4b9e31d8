"""`mvgate check`, `flip`, `routes` and `coverage`."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.validation import validate_text
from tests.gateway.conftest import write_table

runner = CliRunner()

COMMENTED_TABLE = """\
# Routing table of the test suite.
version: 1
default: legacy   # everything unlisted
backends:
  legacy: {wsgi: "tests.gateway.apps:create_flask_app", threads: 4}   # the old app
  new:    {asgi: "tests.gateway.apps:create_asgi_app"}
routes:
  # videos first
  - path: /items/{item_id:int}
    methods: [GET, PUT, DELETE]
    backend: legacy     # not yet
  - path: /hello
    backend: legacy
  - path: /ws/echo
    websocket: true
    backend: new
"""


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def commented(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, COMMENTED_TABLE)
    return path


def test_check_accepts_a_good_table(commented: Path) -> None:
    code, output = invoke("check", str(commented))
    assert code == 0, output
    assert "ok: 3 routes, backends legacy, new, default legacy" in output


def test_check_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "routing_table.yaml"
    write_table(
        path,
        COMMENTED_TABLE.replace("threads: 4", "threads: -1")
        .replace("backend: legacy     # not yet", "backend: nwe")
        .replace("create_asgi_app", "no_such_app")
        .replace("websocket: true\n    backend: new", "websocket: true\n    backend: legacy"),
    )
    code, output = invoke("check", str(path))
    assert code == 1
    lines = [line for line in output.splitlines() if line.startswith(str(path))]
    assert [line.removeprefix(str(path)).split(":")[1] for line in lines] == [
        "5",  # threads
        "6",  # no_such_app cannot be imported
        "11",  # unknown backend nwe
        "15",  # websocket to a WSGI backend
    ]
    assert "4 problem(s)" in output


def test_check_refuses_a_route_the_backend_has_no_endpoint_for(commented: Path) -> None:
    write_table(
        commented,
        COMMENTED_TABLE.replace(
            "path: /hello\n    backend: legacy", "path: /hello/\n    backend: new"
        ),
    )
    code, output = invoke("check", str(commented))
    assert code == 1
    assert "routes[1] (/hello/): backend 'new' has no endpoint for any method here" in output
    code, output = invoke("check", "--no-imports", str(commented))
    assert code == 0


def test_flip_changes_one_value_and_keeps_comments_and_order(commented: Path) -> None:
    code, output = invoke("flip", "/items/{item_id:int}", "new", "--routes", str(commented))
    assert code == 0, output
    assert "routes[0] /items/{item_id:int}: legacy -> new" in output
    changed = [
        line
        for line in difflib.ndiff(COMMENTED_TABLE.splitlines(), commented.read_text().splitlines())
        if line.startswith(("-", "+"))
    ]
    assert changed == ["-     backend: legacy     # not yet", "+     backend: new     # not yet"]


def test_flip_some_methods_splits_the_route(commented: Path) -> None:
    code, output = invoke(
        "flip", "/items/{item_id:int}", "new", "--methods", "GET", "--routes", str(commented)
    )
    assert code == 0, output
    table = validate_text(commented.read_text(), "t")
    assert [(r.path, r.methods, r.backend) for r in table.routes[:2]] == [
        ("/items/{item_id:int}", ("GET",), "new"),
        ("/items/{item_id:int}", ("PUT", "DELETE"), "legacy"),
    ]
    assert "# Routing table of the test suite." in commented.read_text()
    # Flipping the same methods back edits the new route in place.
    invoke("flip", "/items/{item_id:int}", "legacy", "--methods", "GET", "--routes", str(commented))
    assert validate_text(commented.read_text(), "t").routes[0].backend == "legacy"


def test_flip_adds_a_route_for_a_new_path(commented: Path) -> None:
    code, _ = invoke("flip", "/items/", "new", "--methods", "post", "--routes", str(commented))
    assert code == 0
    route = validate_text(commented.read_text(), "t").routes[-1]
    assert (route.path, route.methods, route.backend) == ("/items/", ("POST",), "new")
    assert "methods: [POST]" in commented.read_text()


CANARY_TABLE = COMMENTED_TABLE.replace(
    "  - path: /hello\n    backend: legacy", "  - path: /hello\n    backend: new\n    canary: 10"
)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["/hello", "nwe"], "unknown backend 'nwe' (known: legacy, new)"),
        (["/hello", "new", "--methods", "FETCH"], "unknown method FETCH"),
        # The result would be invalid: a canary on the default backend.
        (["/hello", "legacy"], "canary and shadow need a backend other than the default one"),
    ],
)
def test_flip_refuses_what_the_gateway_would_refuse_and_writes_nothing(
    args: list[str], error: str, tmp_path: Path
) -> None:
    path = tmp_path / "routing_table.yaml"
    write_table(path, CANARY_TABLE)
    code, output = invoke("flip", *args, "--routes", str(path))
    assert code == 1
    assert error in output and "nothing written" in output
    assert path.read_text() == CANARY_TABLE


def test_routes_shows_live_counters_from_a_running_gateway(
    table_path: Path, gateway_url: str
) -> None:
    for _ in range(4):
        httpx.get(gateway_url + "/items/2")
    # stdout alone: the in-process gateway's access log writes its lines to stderr meanwhile.
    result = runner.invoke(
        app, ["routes", "--routes", str(table_path), "--url", gateway_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["live"] is True
    [row] = answer["routes"]
    assert (row["methods"], row["path"], row["backend"]) == ("GET", "/items/{item_id:int}", "new")
    assert row["requests"] == 4 and row["errors"] == 0
    code, output = invoke("routes", "--routes", str(table_path), "--url", gateway_url)
    assert code == 0 and "/items/{item_id:int}" in output and "live: generation 1" in output


def test_routes_without_a_running_gateway(table_path: Path) -> None:
    code, output = invoke("routes", "--routes", str(table_path), "--url", "http://127.0.0.1:9")
    assert code == 0
    assert "no live counters" in output


def test_coverage_counts_implemented_and_routed_endpoints(table_path: Path) -> None:
    code, output = invoke("coverage", "--routes", str(table_path), "--json")
    assert code == 0, output
    [report] = json.loads(output)
    assert (report["legacy"], report["other"]) == ("legacy", "new")
    rows = {(row["method"], row["path"]): row for row in report["rows"]}
    assert rows[("GET", "/items/{item_id:int}")] == {
        "method": "GET",
        "path": "/items/{item_id:int}",
        "implemented": True,
        "routed": True,
    }
    assert rows[("PUT", "/items/{item_id:int}")]["implemented"] is True
    assert rows[("PUT", "/items/{item_id:int}")]["routed"] is False
    assert rows[("GET", "/endless")]["implemented"] is False  # only the Flask app has it
    assert report["endpoints"] == len(rows)
    assert report["routed"] == 1
    assert report["implemented"] == sum(row["implemented"] for row in rows.values())
