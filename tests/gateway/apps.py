"""Small backends the gateway tests route to, by import string (`tests.gateway.apps:...`).

Each answers with enough of what it saw (its own name, the headers it received) for a test
to tell who served a request and what the gateway passed on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from flask import Flask, Response, jsonify, redirect, request, send_file, stream_with_context
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

BINARY = bytes(range(256)) * 512  # 128 KiB covering every byte value
CHUNK_PAUSE = 0.3  # between streamed chunks: long enough to see them arrive one by one

# Set when a WSGI stream's generator is closed: tests wait on it to see a client
# disconnect reach the backend. Keyed by the token the test put in the query string.
closed_streams: dict[str, threading.Event] = {}


def closed_event(token: str) -> threading.Event:
    return closed_streams.setdefault(token, threading.Event())


def binary_file() -> Path:
    """BINARY as a file, for the Range tests (send_file / FileResponse)."""
    path = Path(tempfile.gettempdir()) / "mvgate-gateway-tests-blob.bin"
    if not path.exists() or path.stat().st_size != len(BINARY):
        path.write_bytes(BINARY)
    return path


# -- a Flask app (WSGI) ---------------------------------------------------------------------


def create_flask_app() -> Flask:
    app = Flask("gateway-test-flask")

    @app.get("/hello")
    def hello() -> Response:
        return jsonify(app="flask", path=request.path)

    @app.route("/items/", methods=["GET", "POST"])
    def items() -> Response:
        return jsonify(app="flask", method=request.method)

    @app.route("/items/<int:item_id>", methods=["GET", "PUT", "DELETE"])
    def item(item_id: int) -> Response:
        return jsonify(app="flask", item=item_id, method=request.method)

    @app.get("/headers")
    def headers() -> Response:
        return jsonify(app="flask", headers={k.lower(): v for k, v in request.headers.items()})

    @app.get("/cookie")
    def set_cookie() -> Response:
        response = jsonify(app="flask", seen=request.cookies.get("session"))
        response.set_cookie("session", "abc123", httponly=True, samesite="Lax", path="/")
        response.set_cookie("theme", "dark", max_age=3600)
        return response

    @app.get("/redirect")
    def go_elsewhere() -> Response:
        return redirect("/hello", code=302)

    @app.get("/binary")
    def binary() -> Response:
        return Response(BINARY, mimetype="application/octet-stream")

    @app.get("/file")
    def file() -> Response:
        return send_file(binary_file(), conditional=True)

    @app.get("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[bytes]:
            for index in range(3):
                yield f"chunk {index} at {time.time():.3f}\n".encode()
                time.sleep(CHUNK_PAUSE)

        return Response(stream_with_context(chunks()), mimetype="text/plain")

    @app.get("/endless")
    def endless() -> Response:
        token = request.args["token"]

        def chunks() -> Iterator[bytes]:
            try:
                while True:
                    yield b"x" * 1024
                    time.sleep(0.01)
            finally:
                closed_event(token).set()

        return Response(chunks(), mimetype="application/octet-stream")

    @app.post("/upload")
    def upload() -> Response:
        digest, size = hashlib.sha256(), 0
        while chunk := request.stream.read(65536):
            digest.update(chunk)
            size += len(chunk)
        return jsonify(app="flask", size=size, sha256=digest.hexdigest())

    @app.get("/boom")
    def boom() -> Response:
        raise RuntimeError("the legacy code broke")

    return app


def plain_wsgi_app(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    """A bare WSGI function (two arguments: must not be taken for a factory)."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"plain wsgi"]


# -- a Starlette app (ASGI) -----------------------------------------------------------------


def create_asgi_app(name: str = "asgi") -> Starlette:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, object]]:
        events.append("startup")
        yield {"greeting": f"hello from {name}'s lifespan"}
        events.append("shutdown")

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "path": request.url.path})

    async def item(request: Request) -> JSONResponse:
        return JSONResponse(
            {"app": name, "item": request.path_params["item_id"], "method": request.method}
        )

    async def items(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "method": request.method})

    async def headers(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "headers": dict(request.headers)})

    async def state(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "greeting": request.state.greeting, "events": events})

    async def cookie(request: Request) -> JSONResponse:
        response = JSONResponse({"app": name, "seen": request.cookies.get("session")})
        response.set_cookie("session", "abc123", httponly=True, samesite="lax")
        response.set_cookie("theme", "dark", max_age=3600)
        return response

    async def go_elsewhere(request: Request) -> RedirectResponse:
        return RedirectResponse("/hello", status_code=302)

    async def stream(request: Request) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for index in range(3):
                yield f"chunk {index} at {time.time():.3f}\n".encode()
                await asyncio.sleep(CHUNK_PAUSE)

        return StreamingResponse(chunks(), media_type="text/plain")

    async def upload(request: Request) -> JSONResponse:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return JSONResponse({"app": name, "size": size, "sha256": digest.hexdigest()})

    async def binary(request: Request) -> PlainTextResponse:
        return PlainTextResponse(BINARY, media_type="application/octet-stream")

    async def file(request: Request) -> FileResponse:
        return FileResponse(binary_file())

    async def boom(request: Request) -> JSONResponse:
        raise RuntimeError("the new code broke")

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(float(request.query_params.get("seconds", "2")))
        return JSONResponse({"app": name, "slept": True})

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept(subprotocol=(websocket.scope.get("subprotocols") or [None])[0])
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(f"{name} echoes: {message['text']}")
            else:
                await websocket.send_bytes(message["bytes"])

    app = Starlette(
        routes=[
            Route("/hello", hello),
            Route("/items/", items, methods=["GET", "POST"]),
            Route("/items/{item_id:int}", item, methods=["GET", "PUT", "DELETE"]),
            Route("/headers", headers),
            Route("/state", state),
            Route("/cookie", cookie),
            Route("/redirect", go_elsewhere),
            Route("/stream", stream),
            Route("/upload", upload, methods=["POST"]),
            Route("/binary", binary),
            Route("/file", file),
            Route("/boom", boom),
            Route("/slow", slow),
            WebSocketRoute("/ws/echo", echo),
        ],
        lifespan=lifespan,
    )
    app.state.events = events
    return app


def blue() -> Starlette:
    return create_asgi_app("blue")


def green() -> Starlette:
    return create_asgi_app("green")


async def raw_asgi_app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    """A bare ASGI function without lifespan support."""
    if scope["type"] != "http":
        raise RuntimeError("http only")
    body = json.dumps({"app": "raw"}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def broken_factory() -> Starlette:
    raise RuntimeError("configuration missing")


async def crashing_asgi_app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    """Raises before it answers anything."""
    if scope["type"] == "lifespan":
        raise RuntimeError("no lifespan here")
    raise RuntimeError("crashed before answering")


def crashing_wsgi_app(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    raise RuntimeError("crashed before start_response")


def create_dav_app():  # type: ignore[no-untyped-def]
    """WsgiDAV, a third-party WSGI app, serving the directory named by MVGATE_TEST_DAV_ROOT."""
    from wsgidav.wsgidav_app import WsgiDAVApp

    return WsgiDAVApp(
        {
            "provider_mapping": {"/": os.environ["MVGATE_TEST_DAV_ROOT"]},
            "simple_dc": {"user_mapping": {"*": True}},
            "verbose": 0,
            "logging": {"enable": False},
        }
    )
