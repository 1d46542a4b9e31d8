"""The two apps as uvicorn factories, configured from the environment (Settings):

    uvicorn benchmarks.side_by_side.apps:legacy --factory   # Flask behind a2wsgi
    uvicorn benchmarks.side_by_side.apps:new --factory      # the async FastAPI app

The legacy app is wrapped the way the gateway mounts a WSGI backend: a2wsgi with its own
pool of LEGACY_THREADS threads (the routing table's `threads: 32`).
"""

from __future__ import annotations

import os

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI

LEGACY_THREADS = int(os.environ.get("LEGACY_THREADS", "32"))


# Each factory imports its app late, so each server process loads only its own app.
def legacy() -> WSGIMiddleware:
    from legacy_flask import create_app

    return WSGIMiddleware(create_app(), workers=LEGACY_THREADS)  # type: ignore[arg-type]


def new() -> FastAPI:
    from new_app import create_app

    return create_app()
