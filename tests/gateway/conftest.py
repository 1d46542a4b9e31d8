"""Fixtures of the gateway suite: real servers on free ports, in a thread or a process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from gateway.app import Gateway, create_app
from gateway.settings import GatewaySettings

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"(?:running|listening) on (http://127\.0\.0\.1:\d+)")

TWO_BACKENDS = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.apps:create_flask_app", threads: 4}
  new: {asgi: "tests.gateway.apps:create_asgi_app"}
routes:
  - path: /items/{item_id:int}
    methods: [GET]
    backend: new
"""


def write_table(path: Path, text: str) -> None:
    """Replace the file in one step, as editors and `mvgate flip` do."""
    draft = path.with_name(f".{path.name}.draft")
    draft.write_text(text)
    os.replace(draft, path)


class ThreadedServer:
    """An ASGI app served by uvicorn in a background thread on a free port."""

    def __init__(self, app: object) -> None:
        # As `mvgate serve` runs it: no X-Forwarded-* rewriting of the client address.
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            ws="websockets-sansio",
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class ServerProcess:
    """A server in its own process (gateway, or a remote backend), port read from its log."""

    def __init__(self, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.args, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.url = self.wait_for(LISTENING).group(1)
        return self

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.log_path.read_text(errors="replace"))
            if found:
                return found
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {pattern.pattern}:\n{self.log_path.read_text()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __exit__(self, *exc_info: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def mvgate(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *args]


@pytest.fixture
def table_path(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, TWO_BACKENDS)
    return path


@pytest.fixture
def make_gateway(tmp_path: Path) -> Callable[..., Gateway]:
    def build(table: Path, **settings: object) -> Gateway:
        return create_app(GatewaySettings(routes=table, **settings))

    return build


def _serving() -> Iterator[Callable[[object], str]]:
    servers: list[ThreadedServer] = []

    def start(app: object) -> str:
        server = ThreadedServer(app)
        servers.append(server)
        return server.__enter__()

    yield start
    for server in reversed(servers):
        server.__exit__(None, None, None)


@pytest.fixture
def serve() -> Iterator[Callable[[object], str]]:
    """Serve an ASGI app in a thread for the test; returns its base URL."""
    yield from _serving()


@pytest.fixture(scope="module")
def serve_for_module() -> Iterator[Callable[[object], str]]:
    """Like `serve`, for servers that every test of a module shares."""
    yield from _serving()


@pytest.fixture
def gateway_url(table_path: Path, make_gateway, serve) -> str:  # type: ignore[no-untyped-def]
    return serve(make_gateway(table_path))
