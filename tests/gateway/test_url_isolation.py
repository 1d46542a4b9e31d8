"""A `url:` backend keeps clients apart and passes each request as its client sent it:
no shared cookie jar, no headers of the gateway's own, hop-by-hop headers dropped,
forwarding headers added, and the upstream's own address never handed to a client."""

from __future__ import annotations

import gzip
import socket
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.conftest import ServerProcess, write_table
from tests.gateway.upstream_app import GZIPPED_TEXT, SESSION


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("upstream") / "upstream.log"
    args = [sys.executable, "-m", "uvicorn", "tests.gateway.upstream_app:create_upstream_app"]
    args += ["--factory", "--host", "127.0.0.1", "--port", "0", "--no-access-log"]
    with ServerProcess(args, log) as process:
        yield process


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, serve_for_module, upstream) -> str:  # type: ignore[no-untyped-def]
    table = tmp_path_factory.mktemp("gateway") / "routing_table.yaml"
    write_table(table, f'version: 1\ndefault: up\nbackends:\n  up: {{url: "{upstream.url}"}}\n')
    return serve_for_module(create_app(GatewaySettings(routes=table, watch=False)))


def raw_exchange(base_url: str, request_head: str) -> tuple[str, bytes]:
    """Send `request_head` byte for byte (no client library adding headers); the
    response's head and body (the upstream answers with Content-Length)."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request_head.replace("\n", "\r\n").encode("latin-1"))
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        head, body = received.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += sock.recv(65536)
    return head.decode("latin-1"), body


def seen_by_upstream(gateway: str, request_head: str) -> list[tuple[str, str]]:
    _, body = raw_exchange(gateway, request_head)
    return [(name, value) for name, value in httpx.Response(200, content=body).json()["headers"]]


def test_a_login_through_the_gateway_is_not_shared_with_other_clients(gateway: str) -> None:
    with httpx.Client(base_url=gateway) as admin:
        assert admin.post("/login?user=admin").json() == {"logged_in": "admin"}
        assert admin.get("/whoami").json() == {"user": "admin"}  # the client's own cookie
    with httpx.Client(base_url=gateway) as stranger:
        assert stranger.get("/whoami").json() == {"user": None}


def test_each_client_is_answered_with_its_own_cookie_only(gateway: str) -> None:
    alice, bob = httpx.Client(base_url=gateway), httpx.Client(base_url=gateway)
    with alice, bob:
        alice.post("/login?user=alice")
        bob.post("/login?user=bob")
        assert alice.get("/whoami").json() == {"user": "alice"}
        assert bob.get("/whoami").json() == {"user": "bob"}
        assert bob.get("/whoami", headers={"Cookie": f"{SESSION}=forged"}).json() == {"user": None}


def test_the_request_reaches_the_upstream_with_the_clients_headers_only(gateway: str) -> None:
    host = urlsplit(gateway).netloc
    seen = seen_by_upstream(gateway, f"GET /seen HTTP/1.1\nHost: {host}\nX-Custom: one\n\n")
    names = [name for name, _ in seen]
    # Nothing the client did not send, beyond the forwarding headers and the request id.
    assert "accept" not in names
    assert "accept-encoding" not in names
    assert "user-agent" not in names
    assert "cookie" not in names
    assert ("x-custom", "one") in seen


def test_repeated_headers_arrive_as_sent(gateway: str) -> None:
    host = urlsplit(gateway).netloc
    head = f"GET /seen HTTP/1.1\nHost: {host}\nAccept: text/html\nX-Twice: a\nX-Twice: b\n"
    head += "User-Agent: curl/8.0\n\n"
    seen = seen_by_upstream(gateway, head)
    assert [value for name, value in seen if name == "x-twice"] == ["a", "b"]
    assert ("accept", "text/html") in seen
    assert ("user-agent", "curl/8.0") in seen


def test_hop_by_hop_headers_stop_at_the_gateway(gateway: str) -> None:
    host = urlsplit(gateway).netloc
    head = f"GET /seen HTTP/1.1\nHost: {host}\nConnection: keep-alive, X-Private\n"
    head += "X-Private: next hop only\nKeep-Alive: timeout=5\nTE: trailers\n"
    head += "Proxy-Authorization: Basic Zm9vOmJhcg==\nUpgrade: h2c\nX-Kept: yes\n\n"
    names = {name for name, _ in seen_by_upstream(gateway, head)}
    assert not names & {"x-private", "keep-alive", "te", "proxy-authorization", "upgrade"}
    assert "x-kept" in names


def test_forwarding_headers_say_who_asked_and_how(gateway: str) -> None:
    host = urlsplit(gateway).netloc
    head = f"GET /seen HTTP/1.1\nHost: {host}\nX-Forwarded-For: 198.51.100.4\n"
    head += "X-Forwarded-Host: forged.example\nX-Forwarded-Proto: https\n\n"
    seen = seen_by_upstream(gateway, head)
    assert ("x-forwarded-for", "198.51.100.4, 127.0.0.1") in seen
    assert [value for name, value in seen if name == "x-forwarded-host"] == [host]
    assert [value for name, value in seen if name == "x-forwarded-proto"] == ["http"]
    # The upstream is addressed as itself.
    assert dict(seen)["host"] != host


def test_a_client_asking_for_no_compression_gets_none(gateway: str) -> None:
    host = urlsplit(gateway).netloc
    head, body = raw_exchange(gateway, f"GET /gzip HTTP/1.1\nHost: {host}\n\n")
    assert "content-encoding" not in head.lower()
    assert body == GZIPPED_TEXT


def test_a_compressed_answer_passes_as_the_upstream_sent_it(gateway: str) -> None:
    host = urlsplit(gateway).netloc
    head, body = raw_exchange(
        gateway, f"GET /gzip HTTP/1.1\nHost: {host}\nAccept-Encoding: gzip\n\n"
    )
    assert "content-encoding: gzip" in head.lower()
    assert gzip.decompress(body) == GZIPPED_TEXT


def test_redirects_to_the_upstream_point_at_the_gateway(gateway: str, upstream) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(gateway + "/absolute")
    assert response.status_code == 302
    assert response.headers["location"] == f"{gateway}/whoami?from=redirect"
    assert response.headers["content-location"] == f"{gateway}/seen"
    assert upstream.url not in response.headers["location"]


def test_redirects_elsewhere_are_left_alone(gateway: str) -> None:
    response = httpx.get(gateway + "/elsewhere")
    assert response.headers["location"] == "http://203.0.113.9/outside"
