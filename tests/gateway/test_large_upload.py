"""A 100 MB upload through the gateway, to each backend kind, with the gateway's peak memory
staying far below the size of the upload: bodies stream, nothing buffers them whole."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import ServerProcess, mvgate, write_table

MEGABYTE = 1024 * 1024
UPLOAD_MEGABYTES = 100
# What the gateway may grow by while relaying 3 x 100 MB: a few buffers per request.
ALLOWED_GROWTH = 40 * MEGABYTE


def peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def upload_table(backend: str, remote_url: str) -> str:
    return f"""\
version: 1
default: legacy
backends:
  legacy: {{wsgi: "tests.gateway.apps:create_flask_app", threads: 4}}
  new: {{asgi: "tests.gateway.apps:create_asgi_app"}}
  remote: {{url: "{remote_url}", read_timeout: 120}}
routes:
  - path: /upload
    methods: [POST]
    backend: {backend}
"""


BLOCK = os.urandom(MEGABYTE)


def body(megabytes: int) -> Iterator[bytes]:
    """`megabytes` MB, produced as they are sent (the client holds one block)."""
    for _ in range(megabytes):
        yield BLOCK


@pytest.mark.slow
def test_100_megabytes_pass_through_each_backend_kind_in_bounded_memory(tmp_path: Path) -> None:
    remote_args = [sys.executable, "-m", "uvicorn", "tests.gateway.apps:create_asgi_app"]
    remote_args += ["--factory", "--port", "0", "--no-access-log"]
    table = tmp_path / "routing_table.yaml"
    with ServerProcess(remote_args, tmp_path / "remote.log") as remote:
        write_table(table, upload_table("legacy", remote.url))
        args = mvgate("serve", "--port", "0", "--no-watch", "--no-access-log")
        with ServerProcess([*args, "--routes", str(table)], tmp_path / "gw.log") as gateway:
            expected = hashlib.sha256()
            for block in body(UPLOAD_MEGABYTES):
                expected.update(block)
            with httpx.Client(base_url=gateway.url, timeout=120) as client:
                # Warm up every backend, then take the baseline.
                for backend in ("legacy", "new", "remote"):
                    write_table(table, upload_table(backend, remote.url))
                    client.post("/_gateway/reload").raise_for_status()
                    assert client.post("/upload", content=body(2)).status_code == 200
                baseline = peak_rss(gateway.pid)
                for backend, app in (("legacy", "flask"), ("new", "asgi"), ("remote", "asgi")):
                    write_table(table, upload_table(backend, remote.url))
                    client.post("/_gateway/reload").raise_for_status()
                    response = client.post("/upload", content=body(UPLOAD_MEGABYTES))
                    assert response.headers["x-served-by"] == backend
                    assert response.json() == {
                        "app": app,
                        "size": UPLOAD_MEGABYTES * MEGABYTE,
                        "sha256": expected.hexdigest(),
                    }
            growth = peak_rss(gateway.pid) - baseline
    assert growth < ALLOWED_GROWTH, f"the gateway's peak memory grew by {growth / MEGABYTE:.0f} MB"
