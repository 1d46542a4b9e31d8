"""The compiled matcher: precedence, converters, methods, trailing slashes, HEAD, websockets;
and, through a running gateway, 404/405/redirects exactly as the backend itself answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from a2wsgi import WSGIMiddleware

from gateway.app import create_app
from gateway.live_table import compile_routes
from gateway.matcher import Matcher
from gateway.settings import GatewaySettings
from gateway.templates import parse_template
from gateway.validation import validate_text
from tests.gateway.apps import create_asgi_app, create_flask_app
from tests.gateway.conftest import write_table


def matcher_of(*routes: tuple[str, list[str] | None]) -> Matcher[int]:
    matcher: Matcher[int] = Matcher()
    for position, (template, methods) in enumerate(routes):
        matcher.add(parse_template(template), methods, position)
    return matcher


def test_a_literal_segment_beats_a_parameter_whatever_the_order() -> None:
    matcher = matcher_of(("/videos/{video_id}", None), ("/videos/latest", None))
    assert matcher.match("GET", "/videos/latest") == 1
    assert matcher.match("GET", "/videos/42") == 0


def test_the_leftmost_literal_decides() -> None:
    matcher = matcher_of(("/{kind}/latest", None), ("/videos/{video_id}", None))
    assert matcher.match("GET", "/videos/latest") == 1


def test_between_equal_routes_the_table_order_wins_even_across_converters() -> None:
    matcher = matcher_of(
        ("/x/{b}/z", None),  # opens the str branch first
        ("/x/{a:int}/y", None),
        ("/x/{c}/y", None),
    )
    # Routes 1 and 2 both match and are equally specific: the earlier one wins.
    assert matcher.match("GET", "/x/5/y") == 1
    assert matcher.match("GET", "/x/five/y") == 2
    assert matcher.match("GET", "/x/5/z") == 0


def test_a_path_parameter_comes_last_and_takes_the_rest() -> None:
    matcher = matcher_of(("/files/{rest:path}", None), ("/files/{name}", None))
    assert matcher.match("GET", "/files/a.txt") == 1
    assert matcher.match("GET", "/files/a/b/c.txt") == 0
    assert matcher.match("GET", "/files/") == 0  # like Starlette's `.*`
    assert matcher.match("GET", "/files") is None


@pytest.mark.parametrize(
    ("template", "matching", "not_matching"),
    [
        ("/n/{x:int}", ["/n/0", "/n/123"], ["/n/-1", "/n/1.5", "/n/١٢", "/n/abc", "/n/"]),
        ("/n/{x:float}", ["/n/1.5", "/n/2"], ["/n/1.", "/n/.5", "/n/x"]),
        (
            "/n/{x:uuid}",
            ["/n/00000000-0000-4000-8000-000000000000"],
            ["/n/00000000-0000-4000-8000-00000000000", "/n/not-a-uuid"],
        ),
        ("/n/{x}", ["/n/a b", "/n/ü", "/n/1"], ["/n/", "/n/a/b"]),
    ],
)
def test_converters(template: str, matching: list[str], not_matching: list[str]) -> None:
    matcher = matcher_of((template, None))
    for path in matching:
        assert matcher.match("GET", path) == 0, path
    for path in not_matching:
        assert matcher.match("GET", path) is None, path


def test_trailing_slashes_are_distinct_paths() -> None:
    matcher = matcher_of(("/api/videos/", None), ("/api/artists", None))
    assert matcher.match("GET", "/api/videos/") == 0
    assert matcher.match("GET", "/api/videos") is None
    assert matcher.match("GET", "/api/artists/") is None
    assert matcher_of(("/", None)).match("GET", "/") == 0


def test_methods_head_follows_get_and_unlisted_methods_fall_through() -> None:
    matcher = matcher_of(
        ("/items/{item_id:int}", ["GET"]),
        ("/items/{name}", ["POST"]),
        ("/items/{item_id:int}", None),
    )
    assert matcher.match("GET", "/items/1") == 0
    assert matcher.match("HEAD", "/items/1") == 0
    assert matcher.match("POST", "/items/1") == 1  # route 0 does not take POST
    assert matcher.match("DELETE", "/items/1") == 2
    assert matcher.match("DELETE", "/items/abc") is None  # to the default backend


def test_websocket_and_http_routes_are_matched_apart() -> None:
    table = validate_text(
        "version: 1\ndefault: a\nbackends: {a: {asgi: 'x.y:z'}, b: {asgi: 'x.y:w'}}\n"
        "routes:\n  - {path: /ws, websocket: true, backend: b}\n",
        "table.yaml",
    )
    http, websocket, _ = compile_routes(table)
    assert http.match("GET", "/ws") is None
    entry = websocket.match("", "/ws")
    assert entry is not None and entry.route.backend == "b"


# -- through the gateway: the answer is the backend's own ------------------------------------

SPLIT_TABLE = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.apps:create_flask_app", threads: 4}
  new: {asgi: "tests.gateway.apps:create_asgi_app"}
routes:
  - path: /items/{item_id:int}
    methods: [GET]
    backend: new
  - path: /items/
    methods: [POST]
    backend: new
"""


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, serve_for_module: Callable[[object], str]
) -> dict[str, str]:
    """The gateway, and each backend served directly, for the whole module."""
    table = tmp_path_factory.mktemp("split") / "routing_table.yaml"
    write_table(table, SPLIT_TABLE)
    return {
        "gateway": serve_for_module(create_app(GatewaySettings(routes=table, watch=False))),
        "legacy": serve_for_module(WSGIMiddleware(create_flask_app(), workers=2)),
        "new": serve_for_module(create_asgi_app()),
    }


@pytest.mark.parametrize(
    ("method", "path", "served_by"),
    [
        ("GET", "/items/5", "new"),
        ("HEAD", "/items/5", "new"),  # HEAD follows GET
        ("PUT", "/items/5", "legacy"),  # a method the route does not list
        ("PATCH", "/items/5", "legacy"),  # 405 from Flask, with Flask's Allow header
        ("GET", "/items/abc", "legacy"),  # the converter refuses: Flask's 404
        ("POST", "/items/", "new"),
        ("GET", "/items/", "legacy"),
        ("GET", "/items", "legacy"),  # no trailing slash: Flask's own redirect
        ("GET", "/nowhere", "legacy"),  # Flask's 404 page
        ("OPTIONS", "/items/5", "legacy"),
    ],
)
def test_answers_are_exactly_the_backends_own(
    method: str, path: str, served_by: str, servers: dict[str, str]
) -> None:
    through = httpx.request(method, servers["gateway"] + path)
    direct = httpx.request(method, servers[served_by] + path)
    assert through.headers["x-served-by"] == served_by
    assert through.status_code == direct.status_code
    # Absolute URLs (a redirect's Location and page) name the server the client called.
    assert through.content.replace(servers["gateway"].encode(), b"SERVER") == (
        direct.content.replace(servers[served_by].encode(), b"SERVER")
    )
    for header in ("content-type", "content-length", "allow", "location"):
        seen = through.headers.get(header, "").replace(servers["gateway"], "SERVER")
        expected = direct.headers.get(header, "").replace(servers[served_by], "SERVER")
        assert seen == expected, header
