"""What endpoints an in-process backend has, read from the app itself.

Flask apps are read through their `url_map`, Starlette and FastAPI apps through their
`routes` (mounts included). Anything else cannot be introspected and is trusted.

The table check asks, for each route sent to an in-process backend: would a request that
this route matches find an endpoint there? It answers by running a sample request path
(`/api/videos/1` for `/api/videos/{id:int}`) through a matcher built from the backend's own
endpoints: the same matcher and precedence the gateway uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.routing import Host, Mount, WebSocketRoute
from starlette.routing import Route as StarletteRoute

from gateway.matcher import Matcher
from gateway.schema import HTTP_METHODS, Route
from gateway.templates import TemplateError, from_werkzeug_rule, parse_template
from gateway.validation import Problem, line_of, route_label

AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Endpoint:
    path: str  # a template in the gateway's syntax
    methods: frozenset[str] | None  # None: every method
    websocket: bool = False
    name: str = ""

    def pairs(self) -> list[tuple[str, str]]:
        """(method, path) pairs an operator would count, without HEAD/OPTIONS, which
        frameworks add on their own."""
        if self.websocket:
            return [("WEBSOCKET", self.path)]
        methods = self.methods if self.methods is not None else frozenset({"*"})
        return sorted((method, self.path) for method in methods - AUTOMATIC_METHODS)


def endpoints_of(app: Any) -> list[Endpoint] | None:
    """The app's endpoints, or None when the app is of a kind we cannot read."""
    url_map = getattr(app, "url_map", None)
    if url_map is not None and hasattr(url_map, "iter_rules"):
        return [
            Endpoint(
                from_werkzeug_rule(rule.rule), frozenset(rule.methods or ()), False, rule.endpoint
            )
            for rule in url_map.iter_rules()
        ]
    routes = getattr(app, "routes", None)
    if isinstance(routes, list):
        return list(_starlette_endpoints(routes, ""))
    return None


def _flattened(routes: Iterable[Any]) -> list[Any]:
    """The routes with FastAPI's included routers expanded.

    Recent FastAPI keeps each `include_router` as one opaque entry in `app.routes` and
    offers `iter_route_contexts` to see through it; each context answers `path`,
    `methods` and `name` like the route it stands for, with the include prefix applied.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # no FastAPI installed: Starlette routes are already flat
        return list(routes)
    return list(iter_route_contexts(list(routes)))


def _starlette_endpoints(routes: Iterable[Any], prefix: str) -> Iterable[Endpoint]:
    for entry in _flattened(routes):
        route = getattr(entry, "original_route", entry)
        if isinstance(route, StarletteRoute):
            methods = frozenset(entry.methods) if entry.methods is not None else None
            yield Endpoint(prefix + entry.path, methods, False, entry.name)
        elif isinstance(route, WebSocketRoute):
            yield Endpoint(prefix + entry.path, None, True, entry.name)
        elif isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if isinstance(inner, list) and inner:
                yield from _starlette_endpoints(inner, prefix + entry.path)
            else:
                # A mounted app we cannot see into (static files, another ASGI app):
                # it may answer anything under its prefix.
                yield Endpoint(prefix + entry.path + "/{path:path}", None, False, route.name or "")
        elif isinstance(route, Host):
            continue


class EndpointIndex:
    """An app's endpoints as matchers: which methods does it answer at a path?"""

    def __init__(self, endpoints: Iterable[Endpoint]) -> None:
        self.http: Matcher[Endpoint] = Matcher()
        self.websocket: Matcher[Endpoint] = Matcher()
        for endpoint in endpoints:
            try:
                template = parse_template(endpoint.path)
            except TemplateError:
                continue  # a path syntax the gateway cannot route to anyway
            target = self.websocket if endpoint.websocket else self.http
            target.add(template, None if endpoint.websocket else endpoint.methods, endpoint)

    def missing_methods(self, path: str, methods: Iterable[str] | None) -> list[str]:
        """Which of `methods` (None: any) find no endpoint for the request path `path`."""
        if methods is None:
            found = any(self.http.match(method, path) for method in HTTP_METHODS)
            return [] if found else ["any method"]
        return [method for method in methods if self.http.match(method, path) is None]

    def has_websocket(self, path: str) -> bool:
        return self.websocket.match("", path) is not None


def endpoint_problems(
    document: Any, routes: Iterable[tuple[int, Route]], apps: Mapping[str, Any]
) -> list[Problem]:
    """Routes sent to an in-process backend that has no endpoint for them; `routes` are
    (position in the table, route), `apps` the in-process apps by backend name."""
    indexes: dict[str, EndpointIndex | None] = {}
    problems = []
    for index, route in routes:
        app = apps.get(route.backend)
        if app is None:
            continue
        if route.backend not in indexes:
            endpoints = endpoints_of(app)
            indexes[route.backend] = EndpointIndex(endpoints) if endpoints is not None else None
        endpoint_index = indexes[route.backend]
        if endpoint_index is None:
            continue
        sample = route.template.sample_path()
        where = route_label(document, index)
        line = line_of(document, ("routes", index))
        if route.websocket:
            if not endpoint_index.has_websocket(sample):
                problems.append(
                    Problem(
                        f"backend {route.backend!r} has no websocket endpoint here", line, where
                    )
                )
            continue
        missing = endpoint_index.missing_methods(sample, route.methods)
        if missing:
            problems.append(
                Problem(
                    f"backend {route.backend!r} has no endpoint for {', '.join(missing)} here",
                    line,
                    where,
                )
            )
    return problems
