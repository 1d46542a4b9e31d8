"""The cost of one routing decision (match the route, decide the backend) at 10 and 1,000
routes, with the gateway's own compiled matcher and decision step."""

from __future__ import annotations

import statistics
import time
import timeit

from gateway.backends import build_backend
from gateway.dispatch import decide, match_route
from gateway.live_table import CompiledTable, compile_routes
from gateway.validation import validate_text

ACTIONS = ("download", "thumbnail", "refresh", "metadata")


def synthetic_table(size: int) -> str:
    """`size` routes shaped like a REST API (lists, items by id, item actions, pages),
    split between two backends."""
    lines = [
        "version: 1",
        "default: legacy",
        "backends:",
        "  legacy: {url: 'http://127.0.0.1:9'}",
        "  new: {url: 'http://127.0.0.1:10'}",
        "routes:",
    ]
    index = 0
    while index < size:
        resource = f"resource{index // 6}"
        templates = [
            (f"/api/{resource}/", "[GET, POST]"),
            (f"/api/{resource}/{{item_id:int}}", "[GET, PUT, DELETE]"),
            (f"/api/{resource}/{{item_id:int}}/{ACTIONS[index % 4]}", "[POST]"),
            (f"/api/{resource}/search", "[GET]"),
            (f"/{resource}/{{slug}}", "[GET]"),
            (f"/static/{resource}/{{file:path}}", "[GET]"),
        ]
        for template, methods in templates[: size - index]:
            backend = "new" if index % 2 else "legacy"
            lines.append(f"  - {{path: '{template}', methods: {methods}, backend: {backend}}}")
            index += 1
    return "\n".join(lines) + "\n"


def compiled(size: int) -> CompiledTable:
    spec = validate_text(synthetic_table(size), f"{size} routes")
    http, websocket, entries = compile_routes(spec)
    backends = {name: build_backend(name, backend) for name, backend in spec.backends.items()}
    return CompiledTable(spec, "", "", 1, time.time(), backends, http, websocket, entries)


def requests_for(size: int) -> dict[str, tuple[str, str]]:
    last = f"resource{(size - 1) // 6}"
    return {
        "first route": ("GET", "/api/resource0/"),
        "last resource, by id": ("PUT", f"/api/{last}/12345"),
        "item action": ("POST", f"/api/{last}/7/download"),
        "rest of path": ("GET", f"/static/{last}/css/site/main.css"),
        "no route (default)": ("GET", "/nothing/here/at/all"),
        "method not routed": ("PATCH", "/api/resource0/"),
    }


def decision_cost_ns(size: int, repeat: int = 7, number: int = 20_000) -> dict[str, float]:
    """Median nanoseconds per decision, per kind of request."""
    table = compiled(size)
    figures = {}
    for name, (method, path) in requests_for(size).items():
        scope = {"type": "http", "method": method, "path": path}

        def one_decision(scope: dict[str, str] = scope) -> None:
            decide(table, match_route(table, scope), scope)

        runs = timeit.repeat(one_decision, repeat=repeat, number=number)
        figures[name] = statistics.median(runs) / number * 1e9
    return figures


def main() -> None:
    for size in (10, 1000):
        print(f"{size} routes:")
        for name, nanoseconds in decision_cost_ns(size).items():
            print(f"  {name:24s} {nanoseconds / 1000:6.2f} us")


if __name__ == "__main__":
    main()
