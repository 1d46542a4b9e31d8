"""The client's side of one HTTP request: its `receive` channel and whether it has gone.

Uvicorn drops a response's `send()` calls silently once the client has disconnected, and
only `receive()` reports `http.disconnect`. An ASGI backend that streams listens for that
itself, but a WSGI generator behind a2wsgi never calls `receive()` once it has read the
request body, so it would stream into the void forever, holding a thread. When a response
turns out to be a stream, the gateway starts a watcher that reads `receive()` on the
backend's behalf: request-body messages are handed on to the backend unchanged, and a
disconnect sets `disconnected`, which the WSGI adapter checks between chunks.
"""

from __future__ import annotations

import asyncio
import contextlib

from gateway.asgi import Message, Receive

DISCONNECT: Message = {"type": "http.disconnect"}
# The scope key under which a backend finds the request's ClientChannel.
CLIENT_KEY = "mvgate.client"


class ClientChannel:
    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        # Created only when a stream needs watching: most requests never need them.
        self._handed_on: asyncio.Queue[Message] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._gone: asyncio.Event | None = None
        self._reading = 0  # backend receive() calls in progress on the real channel
        self._read_done: asyncio.Event | None = None
        self.disconnected = False

    async def receive(self) -> Message:
        """The backend's `receive`."""
        if self._handed_on is None:
            self._reading += 1
            try:
                message = await self._receive()
            finally:
                self._reading -= 1
                if self._read_done is not None and not self._reading:
                    self._read_done.set()
            if message["type"] == "http.disconnect":
                self._mark_gone()
            return message
        if self.disconnected and self._handed_on.empty():
            return DISCONNECT
        return await self._handed_on.get()

    def watch(self) -> None:
        """Start noticing a disconnect even while the backend does not read."""
        if self._watcher is None and not self.disconnected:
            self._handed_on = asyncio.Queue(maxsize=1)
            self._watcher = asyncio.create_task(self._watch(), name="client disconnect watcher")

    async def wait_disconnected(self) -> None:
        if self._gone is None:
            self._gone = asyncio.Event()
            if self.disconnected:
                self._gone.set()
        self.watch()
        await self._gone.wait()

    def close(self) -> None:
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()

    async def _watch(self) -> None:
        assert self._handed_on is not None
        # A backend receive() already waiting on the real channel finishes first (the
        # server allows one reader at a time); later ones read what we hand on.
        if self._reading:
            self._read_done = asyncio.Event()
            await self._read_done.wait()
        while not self.disconnected:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._mark_gone()
                with contextlib.suppress(asyncio.QueueFull):
                    self._handed_on.put_nowait(message)
                return
            await self._handed_on.put(message)

    def _mark_gone(self) -> None:
        self.disconnected = True
        if self._gone is not None:
            self._gone.set()
