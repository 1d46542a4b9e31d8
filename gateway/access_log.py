"""The access log: one JSON line per request on stderr, written off the event loop.

It is written directly rather than through `logging`, because it is the one log line of
every request: building and formatting a `LogRecord` costs about 40 microseconds, more than
the rest of the gateway's work on a request. A line is built with orjson (about 1 us) and
appended to a queue; a writer thread drains the queue every `FLUSH_SECONDS` in one write,
so a slow or full stderr pipe never blocks the loop, and a busy gateway makes one system
call per batch instead of one per request. The lines have the same shape as the gateway's
other JSON logs (`gateway.logs`), so one log pipeline reads them all.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections import deque
from typing import Any

import orjson

from gateway.logs import utc_time

FLUSH_SECONDS = 0.05


class AccessLog:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lines: deque[bytes] = deque()  # appends and pops are thread-safe
        self._writer: threading.Thread | None = None
        self._stopping = threading.Event()
        self._draining = threading.Lock()  # the writer thread or close(), one at a time
        self._second = -1
        self._time_prefix = ""

    def write(self, message: str, fields: dict[str, Any]) -> None:
        now = time.time()
        line = {
            "time": self._time(now),
            "level": "info",
            "logger": "mvgate.access",
            "message": message,
            **fields,
        }
        self._lines.append(orjson.dumps(line))
        if self._writer is None:
            self._start()

    def flush(self) -> None:
        """Write every queued line now."""
        with self._draining:
            lines = self._lines
            if not lines:
                return
            batch = [lines.popleft() for _ in range(len(lines))]
            # Looked up on each write, so that redirecting stderr (tests, tools) is honoured.
            stream = sys.stderr
            try:
                stream.write((b"\n".join(batch) + b"\n").decode())
                stream.flush()
            except (OSError, ValueError):  # stderr closed or gone: the lines are lost
                pass

    def close(self) -> None:
        """Stop the writer after a last flush (at shutdown)."""
        self._stopping.set()
        if self._writer is not None:
            self._writer.join(timeout=5)
        self.flush()

    def _start(self) -> None:
        self._writer = threading.Thread(target=self._run, name="access log writer", daemon=True)
        self._writer.start()
        atexit.register(self.flush)  # a daemon thread is not waited for at exit

    def _run(self) -> None:
        while not self._stopping.wait(FLUSH_SECONDS):
            self.flush()

    def _time(self, now: float) -> str:
        """`utc_time(now)`, its date and time part formatted once per second."""
        second = int(now)
        if second != self._second:
            self._second = second
            self._time_prefix = utc_time(second)[:-5]  # without ".000Z"
        return f"{self._time_prefix}.{int(now % 1 * 1000):03d}Z"
