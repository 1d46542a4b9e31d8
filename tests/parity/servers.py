"""Gateways on free ports, each in its own thread with its own event loop.

Each side of a parity run has its own gateway (and so its own loop): anything asyncio
reports from the candidate's loop thread is the candidate's (its app, or the gateway in
front of it), never the legacy side's or the harness's, whose work (HTTP client, database
resets, snapshots) runs in pytest's own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.parity.blocking_guard import SlowCallbackGuard

STARTUP_TIMEOUT = 60.0


def routing_table(default: str, backends: dict[str, str]) -> str:
    """A table sending everything to `default`; `backends` maps names to flow-style specs
    (`{wsgi: "...", threads: 8}`)."""
    lines = ["version: 1", f"default: {default}", "backends:"]
    lines += [f"  {name}: {spec}" for name, spec in backends.items()]
    return "\n".join(lines) + "\n"


class StartupFailures(logging.Handler):
    """What the gateway logs when its table or a backend fails to load."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class LoopServer(uvicorn.Server):
    """uvicorn in a daemon thread on a free port. With a guard, its loop runs in asyncio's
    debug mode, reports every callback that runs longer than SLOW_CALLBACK_SECONDS, and the
    guard watches the thread."""

    def __init__(self, app: object, guard: SlowCallbackGuard | None = None) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            # The standard library's loop (debug mode is its documented slow-callback check);
            # the guarded side runs it without debug mode's per-handle stack capture.
            loop="tests.parity.blocking_guard:TimedLoop" if guard is not None else "asyncio",
            lifespan="on",
            log_level="warning",
            log_config=None,
            access_log=False,
        )
        super().__init__(config)
        self.guard = guard
        self.thread = threading.Thread(target=self.run, name="parity-gateway", daemon=True)

    def install_signal_handlers(self) -> None:
        # Signals belong to pytest's main thread.
        pass

    async def serve(self, sockets=None) -> None:  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        if self.guard is not None:
            self.guard.watch(loop)
        try:
            await super().serve(sockets)
        finally:
            if self.guard is not None:
                self.guard.unwatch(loop)

    def run(self, sockets=None) -> None:  # type: ignore[no-untyped-def]
        # uvicorn ends a failed startup with sys.exit(); in a thread that is just the end.
        with contextlib.suppress(SystemExit):
            super().run(sockets)

    def start(self) -> str:
        failures = StartupFailures()
        logging.getLogger("mvgate").addHandler(failures)
        try:
            self.thread.start()
            self._wait_until_started(failures)
        finally:
            logging.getLogger("mvgate").removeHandler(failures)
        if self.guard is not None:
            self.guard.take()  # imports and lifespan startup are not requests
        port = self.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def _wait_until_started(self, failures: StartupFailures) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.started:
            if not self.thread.is_alive():
                raise RuntimeError("the gateway did not start: " + "; ".join(failures.messages))
            if time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not start within {STARTUP_TIMEOUT} s")
            self.thread.join(0.02)

    def stop(self) -> None:
        self.should_exit = True
        self.thread.join(timeout=30)


@contextmanager
def serve_gateway(
    table: str, directory: Path, *, guard: SlowCallbackGuard | None = None
) -> Iterator[str]:
    """Serve a gateway with this routing table; yields its base URL. With `guard`, its loop
    runs in debug mode and the guard watches it (from the first request on)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "routing_table.yaml"
    path.write_text(table)
    gateway = create_app(GatewaySettings(routes=path, watch=False, access_log=False))
    server = LoopServer(gateway, guard)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
