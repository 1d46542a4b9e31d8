"""The default benchmark targets, in Starlette and in Flask: `/ping`, the smallest JSON
answer (the gateway's cost is largest in proportion), and `/videos`, a 50-item page.

Any other app can be measured instead by import string (`--asgi-target`, `--wsgi-target`),
for example the real legacy and new apps once they exist.
"""

from __future__ import annotations

from flask import Flask, jsonify
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PAYLOAD = {"id": 1, "title": "Sample video", "artist": "Sample artist", "year": 2024}


def video_page(count: int = 50) -> dict[str, object]:
    """A page of a video list, the shape of a typical API answer (built per request)."""
    videos = [
        {
            "id": number,
            "title": f"Video {number}",
            "artist": {"id": number % 7, "name": f"Artist {number % 7}"},
            "year": 1980 + number % 40,
            "duration": 180 + number,
            "status": "downloaded" if number % 3 else "wanted",
            "tags": ["pop", "live"] if number % 2 else ["rock"],
        }
        for number in range(count)
    ]
    return {"videos": videos, "page": 1, "per_page": count, "total": 1000}


def create_asgi_app() -> Starlette:
    async def ping(request: Request) -> JSONResponse:
        return JSONResponse(PAYLOAD)

    async def videos(request: Request) -> JSONResponse:
        return JSONResponse(video_page())

    return Starlette(routes=[Route("/ping", ping), Route("/videos", videos)])


def create_flask_app() -> Flask:
    app = Flask("benchmark")

    @app.get("/ping")
    def ping():  # type: ignore[no-untyped-def]
        return jsonify(PAYLOAD)

    @app.get("/videos")
    def videos():  # type: ignore[no-untyped-def]
        return jsonify(video_page())

    return app
