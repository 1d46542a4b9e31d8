"""Two small backends for the cutover-control tests: "legacy" (Flask, WSGI) and "new"
(Starlette, ASGI), with the same endpoints and answers that differ where a test wants them
to (`tests.gateway.cutover_apps:...` in the tables).

Every request either app receives is written down in `RECEIVED` (with its shadow marker),
so that a test running the gateway in its own process can see what reached which backend.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, Response, jsonify, request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Received:
    app: str
    method: str
    path: str
    shadow: str | None  # the X-Mvgate-Shadow header: None for client traffic


RECEIVED: list[Received] = []
_lock = threading.Lock()
# Shadow copies being served now and the most seen at once, per app.
_shadows_now: dict[str, int] = {}
shadows_at_most: dict[str, int] = {}


def received(app: str | None = None, shadow: bool | None = None) -> list[Received]:
    with _lock:
        return [
            seen
            for seen in RECEIVED
            if (app is None or seen.app == app)
            and (shadow is None or (seen.shadow is not None) == shadow)
        ]


def forget() -> None:
    with _lock:
        RECEIVED.clear()
        _shadows_now.clear()
        shadows_at_most.clear()


def _arrived(app: str, method: str, path: str, shadow: str | None) -> None:
    with _lock:
        RECEIVED.append(Received(app, method, path, shadow))
        if shadow is not None:
            _shadows_now[app] = _shadows_now.get(app, 0) + 1
            shadows_at_most[app] = max(shadows_at_most.get(app, 0), _shadows_now[app])


def _left(app: str, shadow: str | None) -> None:
    if shadow is not None:
        with _lock:
            _shadows_now[app] -= 1


def known_difference(app: str) -> dict[str, object]:
    """The same record, but the new app lower-cases titles (a real difference), and both
    report their own query time (the route ignores it)."""
    title = "Alpha" if app == "legacy" else "alpha"
    return {
        "items": [{"id": 1, "title": title}, {"id": 2, "title": "Beta"}],
        "count": 2,
        "meta": {"query_time": time.perf_counter() % 1, "page": 1},
    }


def noisy(app: str) -> dict[str, object]:
    """A nonce that is random in every answer, of either app: noise, not a difference."""
    return {"nonce": os.urandom(8).hex(), "value": 42}


# -- legacy: Flask ----------------------------------------------------------------------------


def create_legacy() -> Flask:
    app = Flask("cutover-legacy")
    name = "legacy"

    @app.before_request
    def arrived() -> None:
        _arrived(name, request.method, request.path, request.headers.get("X-Mvgate-Shadow"))

    @app.teardown_request
    def left(error: BaseException | None) -> None:
        _left(name, request.headers.get("X-Mvgate-Shadow"))

    @app.get("/hello")
    def hello() -> Response:
        return jsonify(app=name)

    @app.route("/items/<int:item_id>", methods=["GET", "PUT", "POST", "DELETE"])
    def item(item_id: int) -> Response:
        return jsonify(app=name, item=item_id, method=request.method)

    @app.get("/known")
    def known() -> Response:
        return jsonify(known_difference(name))

    @app.get("/noisy")
    def noise() -> Response:
        return jsonify(noisy(name))

    @app.get("/same")
    def same() -> Response:
        return jsonify(answer=42, items=[1, 2, 3])

    @app.get("/flaky")
    def flaky() -> Response:
        return jsonify(app=name, ok=True)

    @app.get("/slow")
    def slow() -> Response:
        time.sleep(float(request.args.get("legacy_seconds", "0")))
        return jsonify(app=name)

    @app.get("/sleepy")
    def sleepy() -> Response:
        time.sleep(float(request.args.get("seconds", "0.5")))
        return jsonify(app=name, answer=42)

    @app.get("/broken")
    def broken() -> Response:
        raise RuntimeError("legacy breaks here")

    return app


# -- new: Starlette ---------------------------------------------------------------------------


def create_new() -> Starlette:
    name = "new"

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"app": name})

    async def item(request: Request) -> JSONResponse:
        item_id = request.path_params["item_id"]
        return JSONResponse({"app": name, "item": item_id, "method": request.method})

    async def known(request: Request) -> JSONResponse:
        return JSONResponse(known_difference(name))

    async def noise(request: Request) -> JSONResponse:
        return JSONResponse(noisy(name))

    async def same(request: Request) -> JSONResponse:
        return JSONResponse({"answer": 42, "items": [1, 2, 3]})

    async def flaky(request: Request) -> JSONResponse:
        if request.query_params.get("fail"):
            return JSONResponse({"error": "injected failure"}, status_code=500)
        return JSONResponse({"app": name, "ok": True})

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(float(request.query_params.get("seconds", "0")))
        return JSONResponse({"app": name})

    async def sleepy(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "answer": 42})

    async def broken(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "fine": True})

    routes = [
        Route("/hello", hello),
        Route("/items/{item_id:int}", item, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/known", known),
        Route("/noisy", noise),
        Route("/same", same),
        Route("/flaky", flaky),
        Route("/slow", slow),
        Route("/sleepy", sleepy),
        Route("/broken", broken),
    ]
    inner = Starlette(routes=routes)

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        headers = dict(scope["headers"])
        shadow = headers.get(b"x-mvgate-shadow")
        marker = shadow.decode() if shadow is not None else None
        _arrived(name, scope["method"], scope["path"], marker)
        try:
            await inner(scope, receive, send)
        finally:
            _left(name, marker)

    app.routes = inner.routes  # type: ignore[attr-defined]  # for the endpoint check
    return app  # type: ignore[return-value]


def user_of(cookies: Mapping[str, str]) -> str | None:
    """A user hook: the `login` cookie names the logged-in user (tests only: unsigned)."""
    return cookies.get("login") or None
