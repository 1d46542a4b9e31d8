"""The app factory: configuration in, a ready FastAPI app out, nothing global.

    app = create_app(Settings(database_url="sqlite:///mvidarr.db"))

What the factory wires: the lifespan that opens the Runtime (async engine, the shared
HTTP client, templates, job queue), the middleware (crash guard, gzip, the shared session
cookie, the access check), the error handlers, the API routers, the pages and /static.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from new_app.access import AccessControl
from new_app.api import API_ROUTERS
from new_app.api.health import API_VERSION, APP_NAME, app_version
from new_app.api.job_events import router as job_events_router
from new_app.errors import UnexpectedErrors, register_error_handlers
from new_app.head_requests import HeadAsGet
from new_app.pages import router as pages_router
from new_app.path_ids import ImpossibleIds
from new_app.runtime import open_runtime
from new_app.session_cookie import SharedSessionMiddleware
from new_app.static_files import VersionedStaticFiles
from new_app.unmatched import RouteTable
from shared_models.session_cookie import SessionCodec
from shared_models.settings import Settings, get_settings
from web_ui import STATIC_ROOT, StaticAssets

DESCRIPTION = (
    "The async MVidarr API: the same JSON contract as the legacy app "
    '(errors are always `{"error": ...}`).'
)
# Below this size gzip costs more than it saves; above the thread threshold Starlette
# compresses in a worker thread.
GZIP_MINIMUM_SIZE = 1000
GZIP_LEVEL = 6


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.resolved_media_root.mkdir(parents=True, exist_ok=True)
    secret_key = settings.resolved_secret_key

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings) as runtime:
            app.state.runtime = runtime
            # FastAPI prepares its routes (and the OpenAPI document) on first use: ~0.3 s
            # of CPU that would otherwise stall the first requests. Done here, in a thread.
            await anyio.to_thread.run_sync(app.openapi)
            yield

    app = FastAPI(
        title=APP_NAME,
        version=app_version(),
        summary=f"API version {API_VERSION}",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Trailing slashes are answered the legacy way (308, see new_app.unmatched).
        redirect_slashes=False,
    )
    register_error_handlers(app)
    # Added innermost first: a request meets UnexpectedErrors, HeadAsGet, GZip, the
    # session cookie, impossible ids, then the access check, then the router.
    app.add_middleware(AccessControl)
    app.add_middleware(ImpossibleIds)
    app.add_middleware(SharedSessionMiddleware, codec=SessionCodec(secret_key))
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)
    app.add_middleware(HeadAsGet)
    app.add_middleware(UnexpectedErrors)

    routers = (*API_ROUTERS, job_events_router, pages_router)
    for router in routers:
        app.include_router(router)
    app.mount("/static", VersionedStaticFiles(StaticAssets(STATIC_ROOT)), name="static")
    # The routers' routes carry their full paths; the app's own list adds the docs and
    # /static. Misses (404/405/308) are answered from this table.
    app.state.route_table = RouteTable(
        [*app.router.routes, *(route for router in routers for route in router.routes)]
    )
    return app
