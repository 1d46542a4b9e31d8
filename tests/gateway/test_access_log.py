"""The access log queues lines and writes them from its own thread: a stalled stderr never
holds up a request, and every line arrives, in order, once stderr moves again."""

from __future__ import annotations

import io
import json
import sys
import threading

import pytest

from gateway.access_log import AccessLog


class StalledStream(io.StringIO):
    """A stderr whose writes wait until `moving` is set, like a full pipe."""

    def __init__(self) -> None:
        super().__init__()
        self.moving = threading.Event()
        self.first_write = threading.Event()

    def write(self, text: str) -> int:
        self.first_write.set()
        self.moving.wait(timeout=30)
        return super().write(text)


def test_lines_are_written_in_order_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    log = AccessLog()
    for number in range(100):
        log.write(f"GET /{number} 200", {"event": "access", "status": 200, "number": number})
    log.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["number"] for line in lines] == list(range(100))
    assert lines[0]["logger"] == "mvgate.access"
    assert lines[0]["message"] == "GET /0 200"
    assert lines[0]["time"].endswith("Z")


def test_a_stalled_stderr_does_not_hold_up_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = StalledStream()
    monkeypatch.setattr(sys, "stderr", stream)
    log = AccessLog()
    log.write("GET /first 200", {"number": 0})
    assert stream.first_write.wait(timeout=10)  # the writer thread is stuck in write()
    for number in range(1, 1000):  # each returns although nothing can be written
        log.write(f"GET /{number} 200", {"number": number})
    stream.moving.set()
    log.close()
    numbers = [json.loads(line)["number"] for line in stream.getvalue().splitlines()]
    assert numbers == list(range(1000))
