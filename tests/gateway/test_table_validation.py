"""The routing table file: the DESIGN.md example is valid; every kind of mistake is refused
with the line and the route at fault, all problems in one report."""

from __future__ import annotations

import pytest

from gateway.schema import AsgiBackend, UrlBackend, WsgiBackend
from gateway.validation import TableError, validate_text

DESIGN_EXAMPLE = """\
version: 1
default: legacy                      # backend for everything no route matches
backends:
  legacy: {wsgi: "legacy_flask:create_app", threads: 32}   # WSGI app or factory
  new:    {asgi: "new_app:create_app"}                     # ASGI app or factory
  remote: {url: "http://127.0.0.1:5000"}                   # another process
overrides:
  header: X-Mvgate-Backend           # optional: lets a request force a backend
routes:
  - path: /api/videos/
    methods: [GET]
    backend: new
  - path: /api/videos/{video_id:int}
    methods: [GET, PUT, DELETE]
    backend: new
    canary: 25
    shadow: true
    ignore: [query_time]
  - path: /ws/jobs
    websocket: true
    backend: new
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(TableError) as raised:
        validate_text(text, "table.yaml")
    return raised.value.messages


def test_the_design_example_is_a_valid_table() -> None:
    table = validate_text(DESIGN_EXAMPLE, "table.yaml")
    assert table.default == "legacy"
    assert isinstance(table.backends["legacy"], WsgiBackend)
    assert table.backends["legacy"].threads == 32
    assert isinstance(table.backends["new"], AsgiBackend)
    assert isinstance(table.backends["remote"], UrlBackend)
    assert table.overrides is not None and table.overrides.header == "X-Mvgate-Backend"
    assert [route.path for route in table.routes] == [
        "/api/videos/",
        "/api/videos/{video_id:int}",
        "/ws/jobs",
    ]
    assert table.routes[1].canary == 25 and table.routes[1].shadow is True
    assert table.routes[1].ignore == ("query_time",)
    assert table.routes[2].websocket


def test_methods_are_normalised_and_head_follows_get() -> None:
    table = validate_text(DESIGN_EXAMPLE.replace("[GET]", "[get]"), "table.yaml")
    route = table.routes[0]
    assert route.methods == ("GET",)
    assert route.allows("HEAD") and not route.allows("POST")


def test_every_problem_is_reported_at_once_with_line_and_route() -> None:
    text = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "legacy_flask:create_app", threads: 0}
  new: {asgi: "not an import string"}
routes:
  - path: /api/videos/
    methods: [GET, FETCH]
    backend: new
  - path: api/missing-slash
    backend: new
  - path: /api/videos/{video_id:int}
    backend: nwe
  - path: /files/{name}.{ext}
    backend: new
    colour: blue
"""
    messages = problems_of(text)
    assert messages == [
        "table.yaml:4: backend 'legacy': threads: Input should be greater than or equal to 1",
        "table.yaml:5: backend 'new': asgi: 'not an import string' is not an import string "
        "like 'package.module:attribute'",
        "table.yaml:8: routes[0] (/api/videos/): methods: unknown method FETCH "
        "(known: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE)",
        "table.yaml:10: routes[1] (api/missing-slash): path: a path must start with '/'",
        "table.yaml:13: routes[2] (/api/videos/{video_id:int}): unknown backend 'nwe' "
        "(known: legacy, new)",
        "table.yaml:14: routes[3] (/files/{name}.{ext}): path: segment '{name}.{ext}': "
        "a parameter must be a whole segment like '{name}' or '{name:int}'",
        "table.yaml:16: routes[3] (/files/{name}.{ext}): unknown key 'colour'",
    ]


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        (
            "  - {path: '/a/{x:int}', methods: [GET], backend: new}\n"
            "  - {path: '/a/{y:int}', methods: [GET, POST], backend: new}\n"
            "  - {path: '/a/{z:int}', methods: [POST], backend: new}\n",
            "table.yaml:10: routes[2] (/a/{z:int}): never reached: earlier routes with the same "
            "path (routes[0] (/a/{x:int}) at line 8) already take its methods",
        ),
        (
            "  - {path: /a, backend: new}\n  - {path: /a, methods: [GET], backend: legacy}\n",
            "table.yaml:9: routes[1] (/a): never reached: earlier routes with the same path "
            "(routes[0] (/a) at line 8) already take its methods",
        ),
        (
            "  - {path: /ws, websocket: true, backend: legacy}\n",
            "table.yaml:8: routes[0] (/ws): websocket route to WSGI backend 'legacy': "
            "WSGI cannot serve websockets",
        ),
        (
            "  - {path: /ws, websocket: true, methods: [GET], backend: new}\n",
            "table.yaml:8: routes[0] (/ws): a websocket route takes no methods",
        ),
        (
            "  - {path: /a, backend: legacy, canary: 10}\n",
            "table.yaml:8: routes[0] (/a): canary and shadow need a backend other than the "
            "default one",
        ),
        (
            "  - {path: /a, backend: new, canary: 120}\n",
            "table.yaml:8: routes[0] (/a): canary: Input should be less than or equal to 100",
        ),
        (
            "  - {path: '/a/{rest:path}/b', backend: new}\n",
            "table.yaml:8: routes[0] (/a/{rest:path}/b): path: '{rest:path}': a path parameter "
            "must be the last segment",
        ),
        (
            "  - {path: '/a/{x:slug}', backend: new}\n",
            "table.yaml:8: routes[0] (/a/{x:slug}): path: unknown converter 'slug' in "
            "'{x:slug}' (known: str, int, float, uuid, path)",
        ),
    ],
)
def test_table_level_mistakes(routes: str, expected: str) -> None:
    text = (
        "version: 1\ndefault: legacy\nbackends:\n  legacy: {wsgi: 'a.b:c'}\n"
        "  new: {asgi: 'a.b:d'}\n  remote: {url: 'http://127.0.0.1:1'}\nroutes:\n" + routes
    )
    assert problems_of(text) == [expected]


def test_a_method_split_between_backends_is_not_a_duplicate() -> None:
    text = (
        "version: 1\ndefault: legacy\nbackends:\n  legacy: {wsgi: 'a.b:c'}\n"
        "  new: {asgi: 'a.b:d'}\nroutes:\n"
        "  - {path: /a, methods: [GET], backend: new}\n  - {path: /a, backend: legacy}\n"
    )
    assert len(validate_text(text, "table.yaml").routes) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nbackends: {a: [1,\n", "table.yaml:3: invalid YAML: expected the node "),
        ("- just\n- a list\n", "table.yaml: the file must be a YAML mapping"),
        (
            "version: 2\ndefault: a\nbackends: {a: {url: 'ftp://x'}}\n",
            "table.yaml:1: version: Input should be 1",
        ),
        (
            "version: 1\ndefault: b\nbackends: {a: {url: 'http://x'}}\n",
            "table.yaml:2: default: default backend 'b' is not defined (known: a)",
        ),
        (
            "version: 1\ndefault: a\nbackends: {a: {wsgi: 'x:y', url: 'http://x'}}\n",
            "table.yaml:3: backend 'a': unknown key 'url'",
        ),
        (
            "version: 1\ndefault: a\nbackends: {a: {grpc: 'x'}}\n",
            "table.yaml:3: backend 'a': a backend needs one of the keys wsgi:, asgi: or url:",
        ),
    ],
)
def test_file_level_mistakes(text: str, expected: str) -> None:
    messages = problems_of(text)
    assert messages[0].startswith(expected), messages
