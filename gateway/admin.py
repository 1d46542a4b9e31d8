"""The gateway's own HTTP surface: `/_gateway/` (dashboard), `/_gateway/status`,
`/_gateway/reload`, `/_gateway/diffs`, `/_gateway/rollbacks/clear`, `/metrics`.

All of it is guarded: with `MVGATE_ADMIN_TOKEN` set, a request needs
`Authorization: Bearer <token>`; without a token, only loopback clients that did not come
through a proxy are let in (a reverse proxy on the same host would otherwise make every
client look local).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.asgi import Message, Receive, Scope, Send
from gateway.dashboard import render_dashboard
from gateway.errors import json_error
from gateway.live_table import RouteEntry
from gateway.metrics import CONTENT_TYPE, UNMATCHED
from gateway.state import DiffReport

if TYPE_CHECKING:
    from gateway.app import Gateway

logger = logging.getLogger("mvgate.admin")

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
    # With several workers, reading the metrics means reading every worker's files: that
    # happens in a thread (a sync endpoint runs in Starlette's pool; status uses to_thread).
    async def status(request: Request) -> JSONResponse:
        return JSONResponse(await status_report(gateway))

    async def dashboard(request: Request) -> HTMLResponse:
        return HTMLResponse(render_dashboard(await status_report(gateway)))

    async def diffs(request: Request) -> JSONResponse:
        path = request.query_params.get("path")
        table = gateway.live.current
        labels = None
        if path is not None:
            labels = [entry.label for entry in table.routes if entry.route.path == path]
        try:
            reports = await gateway.controls.state.diff_report(labels)
        except Exception as error:
            return _state_unavailable(error)
        shadowed = [entry for entry in table.routes if entry.shadow_share]
        routes = {label: report.as_dict() for label, report in reports.items()}
        for entry in shadowed:
            if (labels is None or entry.label in labels) and entry.label not in routes:
                routes[entry.label] = DiffReport().as_dict()
        for entry in table.routes:
            if entry.label in routes:
                routes[entry.label]["path"] = entry.route.path
                routes[entry.label]["ignore"] = list(entry.route.ignore)
                routes[entry.label]["shadow"] = entry.route.shadow
        return JSONResponse(
            {
                "shared_state": gateway.controls.state.kind,
                "worker_pid": os.getpid(),
                "routes": routes,
            }
        )

    async def clear(request: Request) -> JSONResponse:
        path = request.query_params.get("path")
        table = gateway.live.current
        if path is not None and not any(entry.route.path == path for entry in table.routes):
            return JSONResponse({"error": f"no route with the path {path!r}"}, status_code=404)
        try:
            ended = await gateway.controls.clear(path)
        except Exception as error:
            return _state_unavailable(error)
        return JSONResponse(
            {
                "cleared": [event.as_dict() for event in ended],
                "shared_state": gateway.controls.state.kind,
                "worker_pid": os.getpid(),
            }
        )

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
            Route("/_gateway/", dashboard, methods=["GET"]),
            Route("/_gateway/status", status, methods=["GET"]),
            Route("/_gateway/reload", reload, methods=["POST"]),
            Route("/_gateway/diffs", diffs, methods=["GET"]),
            Route("/_gateway/rollbacks/clear", clear, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        exception_handlers={HTTPException: json_http_error},
    )
    token = gateway.settings.admin_token
    return AdminGuard(app, token.get_secret_value() if token is not None else None)


def _state_unavailable(error: Exception) -> JSONResponse:
    logger.error("shared state unavailable: %s: %s", type(error).__name__, error)
    return JSONResponse(
        {"error": f"the shared state store is unavailable: {type(error).__name__}: {error}"},
        status_code=503,
    )


async def status_report(gateway: Gateway) -> dict[str, Any]:
    table = gateway.live.current
    controls = gateway.controls
    traffic = await anyio.to_thread.run_sync(gateway.metrics.traffic)

    def traffic_of(route: str) -> dict[str, Any]:
        return {
            backend: figures.as_dict()
            for (label, backend), figures in sorted(traffic.items())
            if label == route
        }

    state: dict[str, Any] = {
        "kind": controls.state.kind,
        "interval_seconds": controls.interval,
        "rounds": controls.rounds,
        "error": None,
    }
    windows: dict[str, dict[str, Any]] = {}
    diff_counts: dict[str, dict[str, int]] = {}
    history: list[dict[str, Any]] = []
    try:
        for entry in table.routes:
            if entry.watched:
                served, baseline = await controls.window_of(table, entry)
                windows[entry.label] = {
                    entry.route.backend: served.as_dict(),
                    table.spec.default: baseline.as_dict(),
                }
        reports = await controls.state.diff_report()
        diff_counts = {label: report.as_dict()["counts"] for label, report in reports.items()}
        history = await controls.state.history()
    except Exception as error:  # the rest of the status is still worth answering
        state["error"] = f"{type(error).__name__}: {error}"

    def route_report(entry: RouteEntry) -> dict[str, Any]:
        route = entry.route
        rollback = controls.active_rollback(entry)
        return {
            "index": entry.index,
            "label": entry.label,
            "path": route.path,
            "methods": list(route.methods) if route.methods is not None else None,
            "websocket": route.websocket,
            "backend": route.backend,
            "serving": table.spec.default if rollback is not None else route.backend,
            "canary": route.canary,
            "shadow": route.shadow,
            "ignore": list(route.ignore),
            "traffic": traffic_of(entry.label),
            "window": windows.get(entry.label),
            "rollback": rollback.as_dict() if rollback is not None else None,
            "rollback_limits": asdict(entry.limits) if entry.watched else None,
            "rate_limit": entry.rate_limit.model_dump() if entry.rate_limit else None,
            "diffs": diff_counts.get(entry.label),
        }

    overrides = table.spec.overrides
    return {
        "source": table.source,
        "generation": table.generation,
        "digest": table.digest,
        "loaded_at": table.loaded_at,
        "last_reload": gateway.live.last_reload.as_dict() if gateway.live.last_reload else None,
        "worker_pid": os.getpid(),
        "default": table.spec.default,
        "backends": {name: backend.describe() for name, backend in table.backends.items()},
        "overrides": overrides.model_dump() if overrides is not None else None,
        "users": table.spec.users.model_dump(),
        "shared_state": state,
        "rollbacks": {"active": controls.active(table), "history": history},
        "routes": [route_report(entry) for entry in table.routes],
        "unmatched": {
            "backend": table.spec.default,
            "traffic": traffic_of(UNMATCHED),
            "rate_limit": table.spec.rate_limit.model_dump() if table.spec.rate_limit else None,
        },
    }
