"""`mvgate serve` takes its listener from MVGATE_HOST, MVGATE_PORT and MVGATE_WORKERS, as
every other setting comes from the environment; a flag given on the command line wins."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import write_table

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0
MVGATE = str(Path(sys.executable).with_name("mvgate"))
TABLE = """\
version: 1
default: new
backends:
  new: {asgi: "tests.gateway.apps:create_asgi_app"}
routes: []
"""
LISTENING = re.compile(r"listening on http://([\d.]+):(\d+) \((\d+) workers?")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    def __init__(self, log: Path, process: subprocess.Popen[bytes]) -> None:
        self.log, self.process = log, process

    def listening(self) -> tuple[str, int, int]:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            found = LISTENING.search(text)
            if found and text.count("Application startup complete") >= int(found[3]):
                return found[1], int(found[2]), int(found[3])
            assert self.process.poll() is None, text[-3000:]
            time.sleep(0.1)
        raise AssertionError(self.log.read_text(errors="replace")[-3000:])


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    table = tmp_path / "routing_table.yaml"
    write_table(table, TABLE)
    started: list[subprocess.Popen[bytes]] = []

    def start(*flags: str, **environment: str) -> Served:
        log = tmp_path / f"serve-{len(started)}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVGATE_")}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [MVGATE, "serve", "--routes", str(table), *flags],
                env=env | environment,
                cwd=REPO,
                stdout=out,
                stderr=out,
            )
        started.append(process)
        return Served(log, process)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def test_serve_listens_where_the_environment_says(serve) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    served = serve(MVGATE_HOST="127.0.0.1", MVGATE_PORT=str(port), MVGATE_WORKERS="2")
    assert served.listening() == ("127.0.0.1", port, 2)
    assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).status_code < 500


def test_serve_flags_win_over_the_environment(serve) -> None:  # type: ignore[no-untyped-def]
    taken = free_port()
    served = serve("--port", "0", "--workers", "1", MVGATE_PORT=str(taken), MVGATE_WORKERS="3")
    host, port, workers = served.listening()
    assert (host, workers) == ("127.0.0.1", 1)
    assert port != taken
    assert httpx.get(f"http://127.0.0.1:{port}/hello", timeout=10).status_code < 500
