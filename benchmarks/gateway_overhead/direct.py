"""Serve one app directly, without the gateway: the baseline.

`python -m benchmarks.gateway_overhead.direct --kind wsgi --target pkg.mod:create_app`

A WSGI app runs behind a2wsgi with the same thread pool size the gateway would give it,
so the only difference from the gateway run is the gateway itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn
from a2wsgi import WSGIMiddleware

from gateway.importing import load_app
from gateway.serve import bind

logger = logging.getLogger("benchmark")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=["asgi", "wsgi"], required=True)
    parser.add_argument("--target", required=True, help="import string of the app or factory")
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    sys.path.insert(0, os.getcwd())
    app = load_app(arguments.target, arguments.kind, None)
    if arguments.kind == "wsgi":
        app = WSGIMiddleware(app, workers=arguments.threads)
    sock = bind("127.0.0.1", arguments.port)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, proxy_headers=False, lifespan="auto"
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
