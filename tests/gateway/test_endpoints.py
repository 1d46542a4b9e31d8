"""Endpoint introspection sees through FastAPI's included routers (kept as one opaque
entry in `app.routes` by recent FastAPI), so `mvgate check` and `coverage` see every route."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, WebSocket

from gateway.endpoints import EndpointIndex, endpoints_of


def fastapi_app_with_included_routers() -> FastAPI:
    videos = APIRouter(prefix="/api/videos")

    @videos.get("/")
    async def list_videos() -> list[int]:
        return []

    @videos.put("/{video_id}")
    async def update_video(video_id: int) -> int:
        return video_id

    nested = APIRouter()

    @nested.websocket("/ws/jobs")
    async def jobs(websocket: WebSocket) -> None:
        await websocket.close()

    outer = APIRouter()
    outer.include_router(nested)
    app = FastAPI()
    app.include_router(videos)
    app.include_router(outer)
    return app


def test_included_router_routes_are_seen_with_their_prefix() -> None:
    endpoints = endpoints_of(fastapi_app_with_included_routers())
    assert endpoints is not None
    pairs = {pair for endpoint in endpoints for pair in endpoint.pairs()}
    assert ("GET", "/api/videos/") in pairs
    assert ("PUT", "/api/videos/{video_id}") in pairs
    assert ("WEBSOCKET", "/ws/jobs") in pairs


def test_index_answers_methods_of_included_routes() -> None:
    index = EndpointIndex(endpoints_of(fastapi_app_with_included_routers()) or [])
    assert index.missing_methods("/api/videos/7", ["PUT"]) == []
    assert index.missing_methods("/api/videos/7", ["DELETE"]) == ["DELETE"]
    assert index.has_websocket("/ws/jobs")
    assert not index.has_websocket("/ws/other")
