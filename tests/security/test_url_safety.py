"""The shared URL verdict, and the connect-time checks both apps' HTTP clients go through:
a connection to a private address is refused whatever URL led to it (a redirect hop, a
URL found in a page, a name whose DNS answer changed), because the check sits where the
address is used, not where the URL was parsed."""

from __future__ import annotations

import httpx
import pytest
import requests

from legacy_flask.services.url_safety import guarded_connections, refusal
from new_app.services.url_safety import CheckedNetworkBackend
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.url_safety import UnsafeUrlError, check_url, literal_address

PRIVATE_LITERALS = [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "10.1.2.3",
    "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]", "[fe80::1]", "[fd00::1]", "224.0.0.1",
]  # fmt: skip


@pytest.mark.parametrize("host", PRIVATE_LITERALS)
def test_private_addresses_in_any_notation_are_refused_without_dns(host: str) -> None:
    assert literal_address(host.strip("[]")) is not None
    with pytest.raises(UnsafeUrlError, match="private or loopback"):
        check_url(f"http://{host}/x.jpg", allow_private_hosts=False)


@pytest.mark.parametrize(
    "url",
    ["http://a.example\\@127.0.0.1/", "http://a.example@127.0.0.1/", "http://[x/", "ftp://a/",
     "http://a.example/\r\n", "http://a .example/", "http://a.example:99999/", "javascript:x"],
)  # fmt: skip
def test_urls_parsers_read_differently_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError, match="Only http and https"):
        check_url(url, allow_private_hosts=True)


def test_public_names_pass_the_syntax_check() -> None:
    assert check_url("https://img.example.com:8443/a.jpg?x=1", allow_private_hosts=False) == (
        "img.example.com"
    )


def test_legacy_guard_refuses_the_connection_itself(upstreams: UpstreamURLs) -> None:
    """No pre-check here: only the resolver guard stands between requests and loopback."""
    with guarded_connections(), pytest.raises(requests.ConnectionError):
        requests.get(upstreams.root + "/_sim/stats", timeout=5)
    assert refusal() is not None and "127.0.0.1" in str(refusal())
    # Outside the guard (and in other threads) the same request is allowed.
    assert requests.get(upstreams.root + "/_sim/stats", timeout=5).status_code == 200


async def test_new_client_refuses_private_addresses_but_trusts_the_configured_apis(
    upstreams: UpstreamURLs,
) -> None:
    host = httpx.URL(upstreams.root).host
    transport = httpx.AsyncHTTPTransport()
    transport._pool._network_backend = CheckedNetworkBackend()  # the bare backend, untrusted
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError, match="private or loopback"):
            await client.get(upstreams.root + "/_sim/stats")
    trusting = httpx.AsyncHTTPTransport()
    trusting._pool._network_backend = CheckedNetworkBackend({host})
    async with httpx.AsyncClient(transport=trusting) as client:
        assert (await client.get(upstreams.root + "/_sim/stats")).status_code == 200
