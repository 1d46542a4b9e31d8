"""What a request no endpoint takes is answered, the way the legacy app answers it.

- The path is one a route has with a trailing slash (`/api/videos` for `/api/videos/`), or
  with repeated slashes merged (`/api//videos/`): `308` to that URL, absolute, query kept.
- A route has the path but not the method: `405` with `Allow` listing every method the
  path takes (HEAD with GET, and OPTIONS); `OPTIONS` itself is a `200` with `Allow`.
- Otherwise `404`.

The factory builds one `RouteTable` of the app's routes for these decisions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Scope

from new_app.redirects import redirect_response

ErrorResponder = Callable[[Scope, int, Mapping[str, str] | None], Response]

_REPEATED_SLASHES = re.compile(r"/{2,}")
# Mounted apps (static files) take only these methods.
MOUNT_METHODS = frozenset({"GET", "HEAD"})
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class KnownPath:
    pattern: re.Pattern[str]
    methods: frozenset[str]
    is_mount: bool = False


class RouteTable:
    """The app's paths and the methods each takes (routes and mounts)."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self.paths: list[KnownPath] = []
        for route in routes:
            if isinstance(route, Mount):
                prefix = re.escape(route.path.rstrip("/"))
                self.paths.append(KnownPath(re.compile(f"{prefix}/.*"), MOUNT_METHODS, True))
            elif isinstance(route, Route):
                self.paths.append(KnownPath(route.path_regex, frozenset(route.methods or ())))

    def under_mount(self, path: str) -> bool:
        return any(known.is_mount and known.pattern.fullmatch(path) for known in self.paths)

    def methods_for(self, path: str) -> set[str]:
        """Every method something takes at `path` (with HEAD for GET, and OPTIONS)."""
        allowed: set[str] = set()
        for known in self.paths:
            if known.pattern.fullmatch(path):
                allowed |= known.methods
        if "GET" in allowed:
            allowed.add("HEAD")
        if allowed:
            allowed.add("OPTIONS")
        return allowed

    def route_takes(self, path: str, method: str) -> bool:
        """A route (not a mount) has `path` and takes `method` (OPTIONS: any method)."""
        return any(
            not known.is_mount
            and known.pattern.fullmatch(path)
            and (method == "OPTIONS" or method in known.methods)
            for known in self.paths
        )

    def slash_redirect_target(self, path: str, method: str) -> str | None:
        """The path to redirect to, if a route takes the slashed or slash-merged path."""
        merged = _REPEATED_SLASHES.sub("/", path)
        candidates = [merged] if merged != path else []
        if not merged.endswith("/"):
            candidates.append(merged + "/")
        return next((c for c in candidates if self.route_takes(c, method)), None)


def answer_unmatched(request: Request, status: int, error_response: ErrorResponder) -> Response:
    """The answer to a 404 or 405 the router (or a mounted app) raised."""
    table: RouteTable = request.app.state.route_table
    path, method = request.scope["path"], request.scope["method"]
    if table.under_mount(path):
        merged = _REPEATED_SLASHES.sub("/", path)
        if merged != path and table.under_mount(merged):
            # `/static//x`: the legacy router merges the slashes, as for routes.
            return redirect_response(absolute_url(request, merged), status=308)
        # The mounted app found the path but no file there: a plain 404.
        if status == 404:
            return error_response(request.scope, 404, None)
    else:
        target = table.slash_redirect_target(path, method)
        if target is not None:
            return redirect_response(absolute_url(request, target), status=308)
    allowed = table.methods_for(path)
    if not allowed:
        return error_response(request.scope, 404, None)
    allow = {"Allow": ", ".join(sorted(allowed))}
    if method == "OPTIONS":
        return Response(status_code=200, headers=allow, media_type="text/html")
    return error_response(request.scope, 405, allow)


def absolute_url(request: Request, path: str) -> str:
    """`scheme://host/path?query` from the request's Host header (default port dropped)."""
    scope = request.scope
    scheme = scope.get("scheme", "http")
    host = request.headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", DEFAULT_PORTS.get(scheme, 80))
        host = f"{server[0]}:{server[1]}"
    host = host.removesuffix(f":{DEFAULT_PORTS.get(scheme)}")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
