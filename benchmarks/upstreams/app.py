"""The simulated upstreams as one Starlette app: IMVDb, MusicBrainz and media, built from
the deterministic demo catalog, with tunable latency.

    create_app(latency_ms=50)          # every API answer 50 ms late
    GET /imvdb/api/v1/search/entities?q=velvet&latency_ms=200   # this one 200 ms

The contract is written down in docs/simulator.md.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from benchmarks.upstreams import imvdb, media, musicbrainz
from benchmarks.upstreams.latency import SimulatedLatency
from benchmarks.upstreams.responses import simulator
from benchmarks.upstreams.state import SimulatorState
from shared_models.demo.catalog import DEFAULT_ARTIST_COUNT, get_catalog
from shared_models.demo.clips import make_clips
from shared_models.demo.upstream_urls import IMVDB_PREFIX, MUSICBRAINZ_PREFIX


async def stats(request: Request) -> JSONResponse:
    state = simulator(request)
    return JSONResponse(
        state.stats.as_json()
        | {
            "latency_ms_default": state.default_latency_ms,
            "latency_spread_ms": state.latency_spread_ms,
            "flaky": dict(state.flaky_hits),
        }
    )


async def reset(request: Request) -> JSONResponse:
    simulator(request).reset()
    return JSONResponse({"message": "Simulator state reset"})


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


def create_app(
    latency_ms: float = 0,
    media_dir: Path | None = None,
    artist_count: int = DEFAULT_ARTIST_COUNT,
    latency_spread_ms: tuple[float, float] | None = None,
) -> Starlette:
    """Build the simulator. Makes the media clips into `media_dir` (default: the shared clip
    cache) unless they are there, and indexes the catalog: a few seconds, once."""
    if latency_ms < 0:
        raise ValueError("latency_ms must not be negative")
    state = SimulatorState.build(get_catalog(artist_count), make_clips(media_dir), latency_ms)
    state.latency_spread_ms = latency_spread_ms
    app = Starlette(
        routes=[
            Mount(IMVDB_PREFIX, routes=imvdb.routes),
            Mount(MUSICBRAINZ_PREFIX, routes=musicbrainz.routes),
            Mount("/media", routes=media.routes),
            Route("/_sim/stats", stats),
            Route("/_sim/reset", reset, methods=["POST"]),
        ],
        middleware=[Middleware(SimulatedLatency, state=state)],
        exception_handlers={HTTPException: http_error},
    )
    app.state.simulator = state
    return app
