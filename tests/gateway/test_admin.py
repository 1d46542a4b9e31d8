"""The admin surface: token or loopback-only access, status contents, metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from gateway.app import Gateway, create_app
from gateway.settings import GatewaySettings

ADMIN_PATHS = [("GET", "/_gateway/status"), ("POST", "/_gateway/reload"), ("GET", "/metrics")]


@pytest.fixture
def gateway_with_token(table_path: Path) -> Gateway:
    return create_app(GatewaySettings(routes=table_path, admin_token="s3cret", watch=False))


@pytest.mark.parametrize(("method", "path"), [*ADMIN_PATHS, ("GET", "/_gateway/unknown")])
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Basic czNjcmV0", "Bearer", "bearer s3cret!"]
)
def test_a_missing_or_wrong_token_is_refused(
    method: str,
    path: str,
    authorization: str | None,
    gateway_with_token: Gateway,
    serve: Callable[[object], str],
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.request(method, serve(gateway_with_token) + path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["x-served-by"] == "gateway"
    assert "MVGATE_ADMIN_TOKEN" in response.json()["error"]


@pytest.mark.parametrize(("method", "path"), ADMIN_PATHS)
def test_the_right_token_is_let_in(
    method: str, path: str, gateway_with_token: Gateway, serve: Callable[[object], str]
) -> None:
    response = httpx.request(
        method, serve(gateway_with_token) + path, headers={"Authorization": "Bearer s3cret"}
    )
    assert response.status_code == 200


async def test_without_a_token_only_direct_loopback_clients_are_let_in(table_path: Path) -> None:
    gateway = create_app(GatewaySettings(routes=table_path, watch=False))
    await gateway.startup()
    try:
        for client, headers, expected in [
            (("127.0.0.1", 50000), {}, 200),
            (("::1", 50000), {}, 200),
            (("203.0.113.9", 50000), {}, 403),
            (("10.0.0.5", 50000), {}, 403),
            # A reverse proxy on the same host: the real client is elsewhere.
            (("127.0.0.1", 50000), {"X-Forwarded-For": "203.0.113.9"}, 403),
            (("127.0.0.1", 50000), {"Forwarded": "for=203.0.113.9"}, 403),
        ]:
            transport = httpx.ASGITransport(app=gateway, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
                response = await http.get("/_gateway/status", headers=headers)
            assert response.status_code == expected, (client, headers)
    finally:
        await gateway.shutdown()


def test_status_describes_the_table_and_counts_traffic(gateway_url: str, table_path: Path) -> None:
    for _ in range(3):
        httpx.get(gateway_url + "/items/1")
    httpx.get(gateway_url + "/hello")
    status = httpx.get(gateway_url + "/_gateway/status").json()
    assert status["source"] == str(table_path)
    assert status["generation"] == 1
    assert status["last_reload"]["result"] == "ok"
    assert status["default"] == "legacy"
    assert status["backends"]["legacy"]["kind"] == "wsgi"
    assert status["backends"]["legacy"]["threads"] == 4
    assert status["backends"]["new"]["target"] == "tests.gateway.apps:create_asgi_app"
    [route] = status["routes"]
    assert route["path"] == "/items/{item_id:int}" and route["backend"] == "new"
    assert route["traffic"]["new"]["requests"] == 3
    assert route["traffic"]["new"]["errors"] == 0
    assert route["traffic"]["new"]["p95_ms"] > 0
    assert status["unmatched"]["traffic"]["legacy"]["requests"] == 1


def test_metrics_count_requests_by_route_backend_and_status(gateway_url: str) -> None:
    httpx.get(gateway_url + "/items/1")
    httpx.get(gateway_url + "/nowhere")
    text = httpx.get(gateway_url + "/metrics").text
    assert (
        'mvgate_requests_total{backend="new",method="GET",route="GET /items/{item_id:int}",'
        'status="200"} 1.0' in text
    )
    assert (
        'mvgate_requests_total{backend="legacy",method="GET",route="(unmatched)",status="404"} 1.0'
        in text
    )
    assert (
        'mvgate_request_duration_seconds_count{backend="new",route="GET /items/{item_id:int}"}'
        in text
    )
    assert 'mvgate_wsgi_threads{backend="legacy"} 4.0' in text
    assert 'mvgate_wsgi_threads_busy{backend="legacy"} 0.0' in text
    assert 'mvgate_requests_in_flight{backend="new"} 0.0' in text
    assert 'mvgate_routing_table_reloads_total{result="ok"} 1.0' in text
