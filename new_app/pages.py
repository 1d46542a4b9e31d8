"""The browser UI's page routes: the same Jinja2 templates (from `web_ui`) and the same
URLs as the legacy app. Pages get only the ids in their URL; their JavaScript fetches the
data from /api/... Rendering runs in a worker thread (a first render compiles the
template, which would otherwise hold the event loop)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import HTMLResponse

from new_app.deps import RuntimeDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


async def render(runtime: RuntimeDep, name: str, **context: Any) -> HTMLResponse:
    template = runtime.templates.get_template(name)
    html = await anyio.to_thread.run_sync(lambda: template.render(**context))
    return HTMLResponse(html)


@router.get("/")
async def dashboard(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "dashboard.html")


@router.get("/artists")
async def artists(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "artists.html")


@router.get("/artist/{artist_id:int}")
async def artist(artist_id: int, runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "artist.html", artist_id=artist_id)


@router.get("/videos")
async def videos(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "videos.html")


@router.get("/video/{video_id:int}")
async def video(video_id: int, runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "video.html", video_id=video_id)


@router.get("/playlists")
async def playlists(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "playlists.html")


@router.get("/playlist/{playlist_id:int}")
async def playlist(playlist_id: int, runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "playlist.html", playlist_id=playlist_id)


@router.get("/downloads")
async def downloads(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "downloads.html")


@router.get("/settings")
async def settings(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "settings.html")


@router.get("/account")
async def account(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "account.html")


@router.get("/login")
async def login(runtime: RuntimeDep) -> HTMLResponse:
    return await render(runtime, "login.html")
