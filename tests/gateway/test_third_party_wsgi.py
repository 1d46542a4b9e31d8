"""A third-party WSGI app this project did not write, WsgiDAV (a WebDAV server), mounted
from YAML, answers through the gateway exactly as when served directly (a2wsgi under
uvicorn, the same server stack without the gateway): status, headers, redirects, binary
bodies, Range requests, uploads, streamed downloads, XML.

Cookies are not part of WebDAV; they are covered with the test apps in test_backends.py."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import httpx
import pytest
from a2wsgi import WSGIMiddleware

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.apps import create_dav_app
from tests.gateway.conftest import write_table

# Headers that differ between two servers by nature, not by what the app said.
PER_SERVER = {"date", "x-served-by", "x-request-id", "server"}
# WsgiDAV's error pages end with the time they were made.
TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?")
PROPS = b"""<?xml version="1.0" encoding="utf-8"?>
<propfind xmlns="DAV:"><prop><displayname/><getcontentlength/><resourcetype/></prop></propfind>
"""
BIG = os.urandom(3 * 1024 * 1024)

DAV_TABLE = """\
version: 1
default: dav
backends:
  dav: {wsgi: "tests.gateway.apps:create_dav_app", threads: 4}
"""


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, serve_for_module: Callable[[object], str]
) -> dict[str, str]:
    root = tmp_path_factory.mktemp("dav")
    (root / "sub").mkdir()
    (root / "sub" / "note.txt").write_text("hello from a subdirectory\n")
    (root / "big.bin").write_bytes(BIG)
    table = tmp_path_factory.mktemp("table") / "routing_table.yaml"
    write_table(table, DAV_TABLE)
    previous = os.environ.get("MVGATE_TEST_DAV_ROOT")
    os.environ["MVGATE_TEST_DAV_ROOT"] = str(root)
    try:
        urls = {
            "gateway": serve_for_module(create_app(GatewaySettings(routes=table, watch=False))),
            "direct": serve_for_module(WSGIMiddleware(create_dav_app(), workers=4)),
        }
    finally:
        if previous is None:
            del os.environ["MVGATE_TEST_DAV_ROOT"]
        else:
            os.environ["MVGATE_TEST_DAV_ROOT"] = previous
    return urls


def same_answer(
    method: str, path: str, servers: dict[str, str], **options: object
) -> httpx.Response:
    """Send the request to both; assert identical answers; return the gateway's."""
    answers = {}
    for name, url in servers.items():
        answers[name] = httpx.request(method, url + path, **options)  # type: ignore[arg-type]
    through, direct = answers["gateway"], answers["direct"]
    assert through.headers["x-served-by"] == "dav"
    assert through.status_code == direct.status_code

    def body(response: httpx.Response, url: str) -> bytes:
        return TIMESTAMP.sub(b"TIME", response.content.replace(url.encode(), b"SERVER"))

    assert body(through, servers["gateway"]) == body(direct, servers["direct"])

    def comparable(response: httpx.Response, url: str) -> list[tuple[str, str]]:
        return sorted(
            (name, value.replace(url, "SERVER"))
            for name, value in response.headers.multi_items()
            if name not in PER_SERVER
        )

    assert comparable(through, servers["gateway"]) == comparable(direct, servers["direct"])
    return through


def test_binary_download(servers: dict[str, str]) -> None:
    response = same_answer("GET", "/big.bin", servers)
    assert response.content == BIG
    assert response.headers["content-type"] == "application/octet-stream"


def test_streamed_download_arrives_in_many_chunks(servers: dict[str, str]) -> None:
    with httpx.stream("GET", servers["gateway"] + "/big.bin") as response:
        chunks = list(response.iter_raw())
    assert b"".join(chunks) == BIG
    assert len(chunks) > 1


@pytest.mark.parametrize("byte_range", ["bytes=0-99", "bytes=1000000-", "bytes=-500"])
def test_range_requests(byte_range: str, servers: dict[str, str]) -> None:
    response = same_answer("GET", "/big.bin", servers, headers={"Range": byte_range})
    assert response.status_code == 206


def test_head_conditional_and_missing(servers: dict[str, str]) -> None:
    head = same_answer("HEAD", "/big.bin", servers)
    assert head.content == b""
    etag = head.headers["etag"]
    assert (
        same_answer("GET", "/big.bin", servers, headers={"If-None-Match": etag}).status_code == 304
    )
    assert same_answer("GET", "/missing.txt", servers).status_code == 404


def test_directory_redirect_and_listing(servers: dict[str, str]) -> None:
    redirect = same_answer("GET", "/sub", servers)
    assert redirect.status_code == 301
    assert redirect.headers["location"].endswith("/sub/")
    listing = same_answer("GET", "/sub/", servers)
    assert b"note.txt" in listing.content


def test_webdav_methods_and_xml(servers: dict[str, str]) -> None:
    options = same_answer("OPTIONS", "/", servers)
    assert "PROPFIND" in options.headers["allow"]
    headers = {"Depth": "1", "Content-Type": "application/xml"}
    propfind = same_answer("PROPFIND", "/sub/", servers, headers=headers, content=PROPS)
    assert propfind.status_code == 207
    assert b"note.txt" in propfind.content


def test_uploads_through_the_gateway_land_intact(servers: dict[str, str]) -> None:
    created = httpx.put(servers["gateway"] + "/uploaded.bin", content=BIG)
    assert created.status_code == 201
    assert created.headers["x-served-by"] == "dav"
    # Read back directly from the app: the gateway changed nothing on the way in.
    assert httpx.get(servers["direct"] + "/uploaded.bin").content == BIG
    deleted = httpx.delete(servers["gateway"] + "/uploaded.bin")
    assert deleted.status_code == 204
    assert httpx.get(servers["direct"] + "/uploaded.bin").status_code == 404
