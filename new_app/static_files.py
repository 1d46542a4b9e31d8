"""/static/*: Starlette's StaticFiles (ETag, Last-Modified, 304, Range), with the legacy
app's cache rule: a file fetched by its current versioned URL (`?v=<content hash>`) never
changes, so it may be cached for a year; any other URL revalidates every time."""

from __future__ import annotations

import anyio.to_thread
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from web_ui import CACHE_FOREVER, VERSION_PARAMETER, StaticAssets

CACHE_VERSIONED = f"public, max-age={CACHE_FOREVER}, immutable"
REVALIDATE = "no-cache"


class VersionedStaticFiles(StaticFiles):
    def __init__(self, assets: StaticAssets) -> None:
        super().__init__(directory=assets.root)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = (
                CACHE_VERSIONED if await self.is_current(scope) else REVALIDATE
            )
        return response

    async def is_current(self, scope: Scope) -> bool:
        """The request names the file's current version (hashing it runs in a thread)."""
        versions = QueryParams(scope["query_string"]).getlist(VERSION_PARAMETER)
        version = versions[0] if versions else None
        return await anyio.to_thread.run_sync(self.assets.is_current, scope["path"], version)
