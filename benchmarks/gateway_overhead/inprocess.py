"""The gateway's own cost per request, without network or server: the app called directly
vs the gateway app (same app behind it) called the same way, in one process.

    python -m benchmarks.gateway_overhead.inprocess [--target X --path /p] [--kind asgi]

CPU time is measured (all threads), and the fastest of many batches is kept, which
filters out the other work of a shared machine. This is the figure to watch when changing
the gateway's hot path; the load test (`python -m benchmarks.gateway_overhead`) shows what
it means end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from a2wsgi import WSGIMiddleware

from benchmarks.gateway_overhead.__main__ import gateway_table
from gateway.app import create_app
from gateway.importing import load_app
from gateway.settings import GatewaySettings

SAMPLE = "benchmarks.gateway_overhead.sample_apps"


def request_scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: dict[str, Any]) -> None:
    return None


async def microseconds_per_request(app: Any, path: str, requests: int) -> float:
    """CPU time of the whole process (all threads: a WSGI app runs in a pool) per request;
    wall time would mostly measure thread wake-ups."""
    scope = request_scope(path)
    started = time.process_time()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.process_time() - started) / requests * 1e6


async def fastest(app: Any, path: str, batches: int, requests: int) -> float:
    return min([await microseconds_per_request(app, path, requests) for _ in range(batches)])


async def measure(kind: str, target: str, path: str, routes: int) -> dict[str, float]:
    table = Path(tempfile.mkdtemp(prefix="gateway-inprocess-")) / "routing_table.yaml"
    table.write_text(gateway_table(kind, target, path, 32, routes))
    direct = load_app(target, kind, None)
    if kind == "wsgi":
        direct = WSGIMiddleware(direct, workers=32)
    figures = {}
    for access_log in (False, True):
        gateway = create_app(GatewaySettings(routes=table, watch=False, access_log=access_log))
        await gateway.startup()
        try:
            await fastest(gateway, path, 2, 500)  # warm up
            direct_us = await fastest(direct, path, 15, 2000)
            gateway_us = await fastest(gateway, path, 15, 2000)
        finally:
            await gateway.shutdown()
        label = "with access log" if access_log else "without access log"
        figures[f"direct us ({label})"] = direct_us
        figures[f"added us ({label})"] = gateway_us - direct_us
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kind", choices=["asgi", "wsgi"], default="asgi")
    parser.add_argument("--target", default=None, help="import string; default: sample app")
    parser.add_argument("--path", default="/ping")
    parser.add_argument("--routes", type=int, default=100)
    options = parser.parse_args()
    target = (
        options.target or f"{SAMPLE}:create_{'asgi' if options.kind == 'asgi' else 'flask'}_app"
    )
    # Access lines go to stderr; keep them out of the way (and the figures on stdout).
    sys.stderr = open("/dev/null", "w")  # noqa: SIM115 - for the life of this process
    figures = asyncio.run(measure(options.kind, target, options.path, options.routes))
    for name, value in figures.items():
        print(f"{options.kind} {options.path} {name}: {value:.1f}")


if __name__ == "__main__":
    main()
