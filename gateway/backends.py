"""Backends: where the gateway sends a request. Each is an ASGI callable with a start/stop.

- `WsgiBackendApp`: a WSGI app behind a2wsgi, on its own thread pool of `threads` threads,
  so a slow legacy endpoint cannot starve the event loop or another backend.
- `AsgiBackendApp`: an ASGI app called in-process; the gateway runs its lifespan.
- `UrlBackendApp`: another process, reached through the streaming proxy (`gateway.proxy`).

Backends are built from the table's specs by `build_backend`; a reload reuses a backend
whose spec did not change, so flipping a route never re-creates an app.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from a2wsgi import WSGIMiddleware

from gateway.admission import Admission
from gateway.asgi import Receive, Scope, Send
from gateway.client import CLIENT_KEY, ClientChannel
from gateway.importing import load_app
from gateway.lifespan import Lifespan
from gateway.proxy import Proxy
from gateway.schema import AsgiBackend, UrlBackend, WsgiBackend


class ThreadUsage(Protocol):
    """Told when a WSGI pool thread starts and stops serving a request (for metrics)."""

    def enter(self) -> None: ...
    def leave(self) -> None: ...


class Backend:
    """What every backend kind has in common; subclasses fill in `__call__`."""

    kind = ""
    accepts_websockets = False

    def __init__(self, name: str, spec: WsgiBackend | AsgiBackend | UrlBackend) -> None:
        self.name = name
        self.spec = spec
        # The app object as the table names it (a Flask app, a Starlette app), for
        # introspection; None for URL backends.
        self.app: Any = None
        self.in_flight = 0
        # The table's in-flight bound (HTTP requests only: a websocket is not queued).
        self.admission = (
            Admission(spec.max_in_flight, spec.queue_timeout) if spec.max_in_flight else None
        )
        self._idle: asyncio.Future[None] | None = None  # made only when someone waits

    async def start(self) -> None:
        """Called once, before the backend takes requests."""

    async def stop(self) -> None:
        """Called once, after its last request."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    def enter(self) -> None:
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0 and self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    async def wait_idle(self) -> None:
        """Until no request is being served (a retired backend waits for its last one)."""
        while self.in_flight:
            self._idle = asyncio.get_running_loop().create_future()
            await self._idle

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.spec.target, "in_flight": self.in_flight}


class WsgiBackendApp(Backend):
    kind = "wsgi"

    def __init__(self, name: str, spec: WsgiBackend, usage: ThreadUsage | None = None) -> None:
        super().__init__(name, spec)
        self.threads = spec.threads
        self.busy_threads = 0
        self._usage = usage
        self._lock = threading.Lock()
        self._middleware: WSGIMiddleware | None = None

    def load(self) -> None:
        """Import the app (blocking: call it off the event loop)."""
        assert isinstance(self.spec, WsgiBackend)
        self.app = load_app(self.spec.wsgi, "wsgi", self.spec.factory)
        self._middleware = WSGIMiddleware(self._serve, workers=self.spec.threads)

    async def stop(self) -> None:
        if self._middleware is not None:
            self._middleware.executor.shutdown(wait=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._middleware is not None
        await self._middleware(scope, receive, send)

    def _serve(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI app as a2wsgi's threads call it: counted, and stopped between chunks
        when the client has gone."""
        # a2wsgi's input stream ends where the request body ends, chunked or not; saying so
        # lets Werkzeug read bodies sent without Content-Length (as under gunicorn).
        environ["wsgi.input_terminated"] = True
        self._count(+1)
        try:
            chunks = self.app(environ, start_response)
        except BaseException:
            self._count(-1)
            raise
        scope = environ.get("asgi.scope") or {}
        return _Response(chunks, scope.get(CLIENT_KEY), lambda: self._count(-1))

    def _count(self, delta: int) -> None:
        with self._lock:
            self.busy_threads += delta
        if self._usage is not None:
            (self._usage.enter if delta > 0 else self._usage.leave)()

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "threads": self.threads, "busy_threads": self.busy_threads}


class _Response:
    """A WSGI response iterable that stops early when the client disconnected and always
    calls the app's `close()` (PEP 3333), then reports the thread free."""

    def __init__(self, chunks: Iterable[bytes], client: ClientChannel | None, done: Any) -> None:
        self._chunks = chunks
        self._client = client
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            yield chunk
            if self._client is not None and self._client.disconnected:
                return

    def close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class AsgiBackendApp(Backend):
    kind = "asgi"
    accepts_websockets = True

    def __init__(self, name: str, spec: AsgiBackend) -> None:
        super().__init__(name, spec)
        self._lifespan: Lifespan | None = None

    def load(self) -> None:
        """Import the app (blocking: call it off the event loop)."""
        assert isinstance(self.spec, AsgiBackend)
        self.app = load_app(self.spec.asgi, "asgi", self.spec.factory)
        self._lifespan = Lifespan(self.app, self.name, self.spec.lifespan)

    async def start(self) -> None:
        assert self._lifespan is not None
        await self._lifespan.startup()

    async def stop(self) -> None:
        if self._lifespan is not None:
            await self._lifespan.shutdown()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What a server does for each request: a shallow copy of the lifespan state.
        assert self._lifespan is not None
        scope["state"] = self._lifespan.state.copy()
        await self.app(scope, receive, send)


class UrlBackendApp(Backend):
    kind = "url"
    accepts_websockets = True

    def __init__(self, name: str, spec: UrlBackend) -> None:
        super().__init__(name, spec)
        self.proxy = Proxy(name, spec)

    def load(self) -> None:
        """Nothing to import."""

    async def start(self) -> None:
        await self.proxy.start()

    async def stop(self) -> None:
        await self.proxy.stop()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.proxy(scope, receive, send)


def build_backend(
    name: str, spec: WsgiBackend | AsgiBackend | UrlBackend, usage: ThreadUsage | None = None
) -> WsgiBackendApp | AsgiBackendApp | UrlBackendApp:
    """A backend not yet loaded nor started: call `load()` (in a thread), then `start()`."""
    if isinstance(spec, WsgiBackend):
        return WsgiBackendApp(name, spec, usage)
    if isinstance(spec, AsgiBackend):
        return AsgiBackendApp(name, spec)
    return UrlBackendApp(name, spec)
