"""Run an in-process ASGI app's lifespan, the way a server would.

Starlette's `Mount` does not forward lifespan events to a mounted app, so a FastAPI backend
mounted naively never opens its database pool. The gateway starts each ASGI backend's
lifespan when the backend is created and stops it when the backend is retired.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from gateway.asgi import ASGIApp, Message

logger = logging.getLogger("mvgate.backends")


class LifespanError(Exception):
    """The app reported `lifespan.startup.failed` (or crashed during startup)."""


class Lifespan:
    def __init__(self, app: ASGIApp, name: str, mode: Literal["auto", "on", "off"]) -> None:
        self.app = app
        self.name = name
        self.mode = mode
        self.state: dict[str, Any] = {}
        self.supported = False
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        if self.mode == "off":
            return
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        self._task = asyncio.create_task(self._run(scope), name=f"lifespan {self.name}")
        await self._inbox.put({"type": "lifespan.startup"})
        reply = await self._outbox.get()
        if reply["type"] == "lifespan.startup.complete":
            self.supported = True
            return
        if reply["type"] == "lifespan.startup.failed":
            raise LifespanError(
                f"backend {self.name!r}: startup failed: {reply.get('message', '')}"
            )
        # The app does not speak lifespan ("unsupported"): fine unless the table said "on".
        if self.mode == "on":
            raise LifespanError(f"backend {self.name!r}: {reply.get('message', 'no lifespan')}")

    async def shutdown(self) -> None:
        if not self.supported or self._task is None:
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        reply = await self._outbox.get()
        if reply["type"] == "lifespan.shutdown.failed":
            logger.error("backend %r: shutdown failed: %s", self.name, reply.get("message", ""))
        await self._task

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        except Exception as error:
            if self.supported:
                logger.exception("backend %r: lifespan crashed", self.name)
                await self._outbox.put({"type": "lifespan.shutdown.failed", "message": str(error)})
            elif self.mode == "on":
                await self._outbox.put({"type": "lifespan.startup.failed", "message": repr(error)})
            else:
                logger.debug("backend %r does not support lifespan: %r", self.name, error)
                await self._outbox.put({"type": "lifespan.unsupported", "message": repr(error)})
            return
        # Returning without an answer means "no lifespan support" too.
        await self._outbox.put({"type": "lifespan.unsupported", "message": "returned"})
