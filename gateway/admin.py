"""The gateway's own HTTP surface: `/_gateway/status`, `/_gateway/reload`, `/metrics`.

All of it is guarded: with `MVGATE_ADMIN_TOKEN` set, a request needs
`Authorization: Bearer <token>`; without a token, only loopback clients that did not come
through a proxy are let in (a reverse proxy on the same host would otherwise make every
client look local).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.asgi import Message, Receive, Scope, Send
from gateway.errors import json_error
from gateway.metrics import CONTENT_TYPE, UNMATCHED

if TYPE_CHECKING:
    from gateway.app import Gateway

FORWARDING_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-real-ip")


def is_admin_path(path: str) -> bool:
    return path == "/metrics" or path == "/_gateway" or path.startswith("/_gateway/")


def refusal(scope: Scope, token: str | None) -> tuple[int, str] | None:
    """Why this request may not use the admin surface, or None when it may."""
    headers = dict(scope["headers"])
    if token:
        supplied = headers.get(b"authorization", b"")
        scheme, _, credentials = supplied.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(
            credentials.strip(), token.encode()
        ):
            return 401, "a valid 'Authorization: Bearer <MVGATE_ADMIN_TOKEN>' header is required"
        return None
    client = scope.get("client")
    if not client or not _is_loopback(client[0]):
        return 403, "no MVGATE_ADMIN_TOKEN is configured: admin endpoints answer loopback only"
    if any(name in headers for name in FORWARDING_HEADERS):
        return 403, "no MVGATE_ADMIN_TOKEN is configured: proxied requests are refused"
    return None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AdminGuard:
    """Refuses unauthorized requests before any routing (so unknown admin paths reveal
    nothing either) and marks every admin answer `X-Served-By: gateway`."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message["headers"], (b"x-served-by", b"gateway")],
                }
            await send(message)

        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        refused = refusal(scope, self.token)
        if refused is not None:
            start, body = json_error(*refused)
            if refused[0] == 401:
                start["headers"].append((b"www-authenticate", b"Bearer"))
            await send_marked(start)
            await send_marked(body)
            return
        await self.app(scope, receive, send_marked)


def admin_app(gateway: Gateway) -> AdminGuard:
    # Sync endpoints run in Starlette's thread pool: with several workers, reading the
    # metrics means reading every worker's files.
    def status(request: Request) -> JSONResponse:
        return JSONResponse(status_report(gateway))

    async def reload(request: Request) -> JSONResponse:
        result = await gateway.reloader.reload_everywhere("admin request")
        code = 200 if result.result != "invalid" else 422
        return JSONResponse(result.as_dict(), status_code=code)

    def metrics(request: Request) -> Response:
        return Response(gateway.metrics.exposition(), media_type=CONTENT_TYPE)

    async def json_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        return JSONResponse({"error": error.detail}, status_code=error.status_code)

    app = Starlette(
        routes=[
            Route("/_gateway/status", status, methods=["GET"]),
            Route("/_gateway/reload", reload, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        exception_handlers={HTTPException: json_http_error},
    )
    token = gateway.settings.admin_token
    return AdminGuard(app, token.get_secret_value() if token is not None else None)


def status_report(gateway: Gateway) -> dict[str, Any]:
    table = gateway.live.current
    traffic = gateway.metrics.traffic()

    def traffic_of(route: str) -> dict[str, Any]:
        return {
            backend: figures.as_dict()
            for (label, backend), figures in sorted(traffic.items())
            if label == route
        }

    return {
        "source": table.source,
        "generation": table.generation,
        "digest": table.digest,
        "loaded_at": table.loaded_at,
        "last_reload": gateway.live.last_reload.as_dict() if gateway.live.last_reload else None,
        "worker_pid": os.getpid(),
        "default": table.spec.default,
        "backends": {name: backend.describe() for name, backend in table.backends.items()},
        "routes": [
            {
                "index": entry.index,
                "label": entry.label,
                "path": route.path,
                "methods": list(route.methods) if route.methods is not None else None,
                "websocket": route.websocket,
                "backend": route.backend,
                "canary": route.canary,
                "shadow": route.shadow,
                "traffic": traffic_of(entry.label),
            }
            for entry in table.routes
            for route in [entry.route]
        ],
        "unmatched": {"backend": table.spec.default, "traffic": traffic_of(UNMATCHED)},
    }
