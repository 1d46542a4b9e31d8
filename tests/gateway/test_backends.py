"""Each backend kind through the gateway: a WSGI app (a2wsgi), an in-process ASGI app, and a
URL (a real second server process). Bodies, cookies, redirects, Range, binary, streaming,
websockets and errors pass through; every answer says who served it."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as websocket_connect

from gateway.app import create_app
from gateway.logs import JsonFormatter
from gateway.settings import GatewaySettings
from tests.gateway.apps import BINARY, CHUNK_PAUSE, closed_event
from tests.gateway.conftest import ServerProcess, ThreadedServer, write_table

KINDS = ["wsgi", "asgi", "url"]
SPECS = {
    "wsgi": '{wsgi: "tests.gateway.apps:create_flask_app", threads: 4}',
    "asgi": '{asgi: "tests.gateway.apps:create_asgi_app"}',
}


def one_backend_table(spec: str, routes: str = "") -> str:
    return f"version: 1\ndefault: app\nbackends:\n  app: {spec}\n" + (
        f"routes:\n{routes}" if routes else ""
    )


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The ASGI test app in its own uvicorn process: the `url:` backend."""
    log = tmp_path_factory.mktemp("remote") / "remote.log"
    args = [sys.executable, "-m", "uvicorn", "tests.gateway.apps:create_asgi_app", "--factory"]
    args += ["--host", "127.0.0.1", "--port", "0", "--no-access-log"]
    with ServerProcess(args, log) as process:
        yield process


@pytest.fixture(scope="module")
def gateways(
    tmp_path_factory: pytest.TempPathFactory,
    serve_for_module: Callable[[object], str],
    remote: ServerProcess,
) -> dict[str, str]:
    """One gateway per backend kind, each sending everything to its one backend."""
    specs = {**SPECS, "url": f'{{url: "{remote.url}", read_timeout: 1}}'}
    urls = {}
    for kind, spec in specs.items():
        table = tmp_path_factory.mktemp(kind) / "routing_table.yaml"
        write_table(table, one_backend_table(spec))
        urls[kind] = serve_for_module(create_app(GatewaySettings(routes=table, watch=False)))
    return urls


def app_name(kind: str) -> str:
    return "flask" if kind == "wsgi" else "asgi"


@pytest.mark.parametrize("kind", KINDS)
def test_every_answer_says_who_served_it(kind: str, gateways: dict[str, str]) -> None:
    response = httpx.get(gateways[kind] + "/hello?x=1")
    assert response.status_code == 200
    assert response.headers["x-served-by"] == "app"
    assert response.json() == {"app": app_name(kind), "path": "/hello"}


@pytest.mark.parametrize("kind", KINDS)
def test_request_id_is_kept_or_created_and_passed_on(kind: str, gateways: dict[str, str]) -> None:
    kept = httpx.get(gateways[kind] + "/headers", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    assert kept.json()["headers"]["x-request-id"] == "abc-123"
    created = httpx.get(gateways[kind] + "/headers")
    request_id = created.headers["x-request-id"]
    assert len(request_id) == 32
    assert created.json()["headers"]["x-request-id"] == request_id
    refused = httpx.get(gateways[kind] + "/headers", headers={"X-Request-ID": "a b\tc"})
    assert refused.headers["x-request-id"] != "a b\tc"


@pytest.mark.parametrize("kind", KINDS)
def test_cookies_both_ways(kind: str, gateways: dict[str, str]) -> None:
    response = httpx.get(gateways[kind] + "/cookie", headers={"Cookie": "session=old"})
    assert response.json()["seen"] == "old"
    set_cookies = response.headers.get_list("set-cookie")
    assert len(set_cookies) == 2
    assert any(c.startswith("session=abc123;") and "HttpOnly" in c for c in set_cookies)
    assert any(c.startswith("theme=dark;") and "Max-Age=3600" in c for c in set_cookies)


@pytest.mark.parametrize("kind", KINDS)
def test_redirects_are_passed_not_followed(kind: str, gateways: dict[str, str]) -> None:
    response = httpx.get(gateways[kind] + "/redirect")
    assert response.status_code == 302
    assert response.headers["location"].endswith("/hello")


@pytest.mark.parametrize("kind", KINDS)
def test_binary_bodies_and_range_requests(kind: str, gateways: dict[str, str]) -> None:
    assert httpx.get(gateways[kind] + "/binary").content == BINARY
    whole = httpx.get(gateways[kind] + "/file")
    assert whole.content == BINARY
    part = httpx.get(gateways[kind] + "/file", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(BINARY)}"
    assert part.content == BINARY[1000:2000]


@pytest.mark.parametrize("kind", KINDS)
def test_a_stream_arrives_chunk_by_chunk(kind: str, gateways: dict[str, str]) -> None:
    arrivals = []
    with httpx.stream("GET", gateways[kind] + "/stream") as response:
        for line in response.iter_lines():
            arrivals.append((time.time(), line))
    assert [line.split(" at ")[0] for _, line in arrivals] == ["chunk 0", "chunk 1", "chunk 2"]
    last_produced = float(arrivals[-1][1].split(" at ")[1])
    first_received = arrivals[0][0]
    # The backend pauses CHUNK_PAUSE between chunks: the first chunk must have reached the
    # client before the backend even produced the last one (nothing buffered the stream).
    assert first_received < last_produced - CHUNK_PAUSE


@pytest.mark.parametrize("kind", KINDS)
def test_upload_body_arrives_whole(kind: str, gateways: dict[str, str]) -> None:
    body = BINARY * 40  # 5 MiB, sent in chunks
    chunks = (body[i : i + 100_000] for i in range(0, len(body), 100_000))
    response = httpx.post(gateways[kind] + "/upload", content=chunks)
    assert response.status_code == 200
    assert response.json()["size"] == len(body)
    assert response.json()["sha256"] == hashlib.sha256(body).hexdigest()


def test_the_gateway_runs_asgi_backends_lifespans(tmp_path: Path) -> None:
    table = tmp_path / "routing_table.yaml"
    write_table(table, one_backend_table(SPECS["asgi"]))
    gateway = create_app(GatewaySettings(routes=table, watch=False))
    with ThreadedServer(gateway) as url:
        backend = gateway.live.current.backends["app"]
        answer = httpx.get(url + "/state").json()
        # The lifespan ran before the first request, and its state reaches requests.
        assert answer["events"] == ["startup"]
        assert answer["greeting"] == "hello from asgi's lifespan"
    assert backend.app.state.events == ["startup", "shutdown"]


def test_a_wsgi_stream_stops_when_the_client_leaves(gateways: dict[str, str]) -> None:
    token = uuid.uuid4().hex
    with httpx.stream("GET", gateways["wsgi"] + f"/endless?token={token}") as response:
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > 10_000:
                break
    # The generator's `finally` ran: the thread is free again.
    assert closed_event(token).wait(timeout=10)


@pytest.mark.parametrize("kind", ["asgi", "url"])
def test_websocket_echo(kind: str, gateways: dict[str, str]) -> None:
    url = gateways[kind].replace("http://", "ws://") + "/ws/echo"
    with websocket_connect(url, subprotocols=["echo.v1"]) as websocket:
        assert websocket.response.headers["x-served-by"] == "app"
        assert websocket.subprotocol == "echo.v1"
        websocket.send("hello")
        assert websocket.recv() == "asgi echoes: hello"
        websocket.send(b"\x00\x01\xff")
        assert websocket.recv() == b"\x00\x01\xff"


# -- the url backend's proxying --------------------------------------------------------------


def test_proxy_sets_forwarded_headers_and_drops_hop_by_hop(gateways: dict[str, str]) -> None:
    response = httpx.get(
        gateways["url"] + "/headers",
        headers={
            "Connection": "keep-alive, X-Hop-Secret",
            "X-Hop-Secret": "for the next hop only",
            "TE": "trailers",
            "X-Forwarded-For": "203.0.113.7",
            "X-End-To-End": "kept",
        },
    )
    seen = response.json()["headers"]
    assert "x-hop-secret" not in seen
    assert "te" not in seen
    assert seen["x-end-to-end"] == "kept"
    assert seen["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == gateways["url"].removeprefix("http://")


def free_port() -> int:
    """A port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_upstream_is_a_502_json_error(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "routing_table.yaml"
    write_table(table, one_backend_table(f'{{url: "http://127.0.0.1:{free_port()}"}}'))
    response = httpx.get(serve(create_app(GatewaySettings(routes=table, watch=False))) + "/x")
    assert response.status_code == 502
    assert response.headers["x-served-by"] == "app"
    assert response.json() == {"error": "backend 'app' is unreachable"}


def test_slow_upstream_is_a_504_json_error(gateways: dict[str, str]) -> None:
    response = httpx.get(gateways["url"] + "/slow?seconds=3", timeout=10)
    assert response.status_code == 504
    assert response.json() == {"error": "backend 'app' timed out"}


# -- errors and logs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        '{asgi: "tests.gateway.apps:crashing_asgi_app"}',
        '{wsgi: "tests.gateway.apps:crashing_wsgi_app"}',
    ],
)
def test_a_backend_crashing_before_it_answers_gets_a_500_json_and_a_logged_traceback(
    spec: str,
    tmp_path: Path,
    serve,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    table = tmp_path / "routing_table.yaml"
    write_table(table, one_backend_table(spec))
    url = serve(create_app(GatewaySettings(routes=table, watch=False)))
    with caplog.at_level(logging.ERROR, logger="mvgate.errors"):
        response = httpx.get(url + "/anything", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error in the backend"}
    assert response.headers["x-served-by"] == "app"
    assert response.headers["x-request-id"] == "crash-1"
    [record] = [r for r in caplog.records if r.name == "mvgate.errors"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "crash-1"
    assert line["backend"] == "app"
    assert "RuntimeError: crashed before" in line["traceback"]


def test_an_exception_after_the_answer_is_logged_with_the_request_id(
    gateways: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="mvgate.errors"):
        response = httpx.get(gateways["asgi"] + "/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500  # Starlette's own error page, then it re-raises
    assert response.headers["x-served-by"] == "app"
    records = [r for r in caplog.records if r.name == "mvgate.errors"]
    assert [r.fields["request_id"] for r in records] == ["boom-1"]  # type: ignore[attr-defined]
    assert "the new code broke" in JsonFormatter().format(records[0])


def test_one_json_access_log_line_per_request(
    gateways: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = httpx.get(gateways["wsgi"] + "/items/7", headers={"X-Request-ID": "log-1"})
    # The line is written once the response has gone out: wait for it.
    captured, deadline = "", time.monotonic() + 5
    while '"log-1"' not in captured and time.monotonic() < deadline:
        time.sleep(0.01)
        captured += capsys.readouterr().err
    lines = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    # (Another test's stream may finish and log while this one runs: pick ours by its id.)
    [line] = [
        line
        for line in lines
        if line.get("logger") == "mvgate.access" and line.get("request_id") == "log-1"
    ]
    assert response.status_code == 200
    assert line["request_id"] == "log-1"
    assert line["method"] == "GET" and line["path"] == "/items/7"
    assert line["route"] == "(unmatched)" and line["backend"] == "app"
    assert line["reason"] == "default"
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert line["time"].endswith("Z")
