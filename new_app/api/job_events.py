"""/ws/jobs: job progress pushed to the browser over a websocket.

    ws://<host>/ws/jobs                   the events of every job
    ws://<host>/ws/jobs?download_id=12    one download's events

The first message is `{"type": "hello", "download_id": <id or null>, "source": "redis" |
"memory"}`; then events, as new_app.jobs.events describes them. What the client sends is
ignored. The legacy app has no such endpoint: the downloads page falls back to polling
/api/downloads/queue when this socket does not open.

With authentication required, a connection needs a logged-in session cookie (or a valid
X-Api-Key header) and is refused before it opens otherwise: events tell what /api/downloads
would tell. The session cookie is SameSite=Lax, so another site's page cannot open this
socket with a visitor's login.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from new_app.access import api_key_principal, session_user
from new_app.deps import MAX_ID
from new_app.jobs.events import Subscription
from new_app.runtime import Runtime
from new_app.services.app_settings import authentication_required
from new_app.session_cookie import CookieSession
from shared_models.access_policy import API_KEY_HEADER, presented_api_key, session_cookie_value
from shared_models.json_rules import BadInput
from shared_models.session_cookie import CookieAttributes, SessionCodec

router = APIRouter(tags=["jobs"])

POLICY_VIOLATION = 1008


@router.websocket("/ws/jobs")
async def job_events(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    raw = websocket.query_params.get("download_id")
    download_id: int | None = None
    if raw is not None:
        if not raw.isdigit() or int(raw) > MAX_ID:
            await websocket.close(POLICY_VIOLATION, "download_id must be an integer id")
            return
        download_id = int(raw)
    if not await may_watch(websocket, runtime):
        await websocket.close(POLICY_VIOLATION, "Authentication required")
        return
    await websocket.accept()
    async with runtime.events.subscribe(download_id) as subscription:
        await websocket.send_json(
            {"type": "hello", "download_id": download_id, "source": runtime.events.mode}
        )
        await relay(websocket, subscription)


async def may_watch(websocket: WebSocket, runtime: Runtime) -> bool:
    async with runtime.session_factory() as db:
        if not await authentication_required(db):
            return True
        try:
            presented_key = presented_api_key(websocket.headers.getlist(API_KEY_HEADER))
            if presented_key:
                await api_key_principal(db, presented_key)
                return True
        except BadInput:
            return False
        codec = SessionCodec(runtime.settings.resolved_secret_key)
        cookie = session_cookie_value(websocket.headers.getlist("cookie"), CookieAttributes().name)
        return await session_user(db, CookieSession(codec.loads(cookie))) is not None


async def relay(websocket: WebSocket, subscription: Subscription) -> None:
    """Send events until the client goes away (noticed by reading from it)."""

    async def forward() -> None:
        while True:
            await websocket.send_json(await subscription.next())

    sender = asyncio.create_task(forward())
    try:
        while not sender.done():
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await sender
