"""Global caps on the heavy actions, so that what grows with the user count is the web
traffic, not the amount of yt-dlp and ffmpeg work.

A real library has a handful of downloads and live transcodes at a time whatever the number
of people browsing it; letting them grow with the users would measure the disk and the job
pool (the same code for both backends in a worker thread or process) instead of the web
tier. Each cap is a token interval plus a concurrency bound, for the whole run: the runner
divides the interval among load-generator processes (`MVBENCH_LOCUST_PROCESSES`).
"""

from __future__ import annotations

import os
import time


class Cap:
    """At most one start per `interval` seconds and at most `concurrent` at once."""

    def __init__(self, interval: float, concurrent: int) -> None:
        processes = max(1, int(os.environ.get("MVBENCH_LOCUST_PROCESSES", "1")))
        self.interval = interval * processes
        self.concurrent = max(1, concurrent // processes)
        self.next_start = 0.0
        self.running = 0

    def try_start(self) -> bool:
        now = time.monotonic()
        if self.running >= self.concurrent or now < self.next_start:
            return False
        self.next_start = now + self.interval
        self.running += 1
        return True

    def done(self) -> None:
        self.running -= 1


def from_env(name: str, interval: float, concurrent: int) -> Cap:
    """`MVBENCH_<NAME>_INTERVAL` overrides the interval (seconds)."""
    value = os.environ.get(f"MVBENCH_{name.upper()}_INTERVAL")
    return Cap(float(value) if value else interval, concurrent)
