"""An upstream that remembers who logged in, for the `url:` backend's isolation tests.

It behaves like any session-cookie app: `/login` sets a cookie, `/whoami` answers who the
request's cookie belongs to; `/seen` echoes the request exactly as it arrived (header
names, order and values); `/absolute` redirects with an absolute URL of its own address;
`/gzip` compresses when, and only when, the request asks for it.
"""

from __future__ import annotations

import gzip

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SESSION = "upstream_session"
GZIPPED_TEXT = b"compressed by the upstream\n" * 100


def create_upstream_app() -> Starlette:
    sessions: dict[str, str] = {}

    async def login(request: Request) -> JSONResponse:
        user = request.query_params["user"]
        token = f"token-{len(sessions) + 1}"
        sessions[token] = user
        response = JSONResponse({"logged_in": user})
        response.set_cookie(SESSION, token, httponly=True)
        return response

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse({"user": sessions.get(request.cookies.get(SESSION, ""))})

    async def seen(request: Request) -> JSONResponse:
        raw = [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in request.scope["headers"]
        ]
        return JSONResponse({"headers": raw})

    async def absolute(request: Request) -> RedirectResponse:
        own = f"{request.url.scheme}://{request.url.netloc}"
        response = RedirectResponse(f"{own}/whoami?from=redirect", status_code=302)
        response.headers["content-location"] = f"{own}/seen"
        return response

    async def elsewhere(request: Request) -> RedirectResponse:
        return RedirectResponse("http://203.0.113.9/outside", status_code=302)

    async def compressed(request: Request) -> Response:
        if "gzip" in request.headers.get("accept-encoding", ""):
            body = gzip.compress(GZIPPED_TEXT, mtime=0)
            return Response(body, headers={"content-encoding": "gzip"}, media_type="text/plain")
        return Response(GZIPPED_TEXT, media_type="text/plain")

    return Starlette(
        routes=[
            Route("/login", login, methods=["POST"]),
            Route("/whoami", whoami),
            Route("/seen", seen, methods=["GET", "POST"]),
            Route("/absolute", absolute),
            Route("/elsewhere", elsewhere),
            Route("/gzip", compressed),
        ]
    )
