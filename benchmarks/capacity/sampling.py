"""Memory and CPU of every process of the run, sampled once a second in a thread.

Processes are grouped by role: `server` (the gateway or gunicorn, its workers and the
ffmpeg processes they start), `workers` (arq job workers), `simulator`, `mariadb`,
`redis`, `locust` (the load generator) and `machine` (all CPUs, everyone's processes). Each
sample row is one process: its RSS and its cumulative CPU seconds, counting children it
has already reaped (a finished ffmpeg's CPU moves into its parent's `children_*` times,
so nothing is lost or counted twice).
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

INTERVAL = 1.0
FIELDS = ("time", "role", "pid", "name", "rss_bytes", "cpu_seconds")


@dataclass(frozen=True)
class Sample:
    time: float
    role: str
    pid: int
    name: str
    rss_bytes: int
    cpu_seconds: float


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def system_process(*names: str) -> psutil.Process | None:
    """A shared service's process (MariaDB, Redis), found by name; only read."""
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in names:
            return process
    return None


@dataclass
class Sampler:
    """Samples the roots given by `roles()` (role -> root processes) until stopped."""

    roles: Callable[[], dict[str, list[psutil.Process]]]
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            self.sample_once()
            self._stop.wait(max(0.0, INTERVAL - (time.monotonic() - began)))

    def sample_once(self) -> None:
        now = time.time()
        # The whole machine, to tell our processes' CPU from everyone else's.
        machine = psutil.cpu_times()
        busy = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
        used = psutil.virtual_memory().used
        self.samples.append(Sample(now, "machine", 0, "machine", used, busy))
        for role, roots in self.roles().items():
            for root in roots:
                for process in tree(root):
                    try:
                        with process.oneshot():
                            row = Sample(
                                now,
                                role,
                                process.pid,
                                process.name(),
                                process.memory_info().rss,
                                cpu_seconds(process),
                            )
                    except psutil.Error:
                        continue  # it ended between listing and reading
                    self.samples.append(row)

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(FIELDS)
            for s in self.samples:
                writer.writerow(
                    (f"{s.time:.3f}", s.role, s.pid, s.name, s.rss_bytes, f"{s.cpu_seconds:.3f}")
                )


def window_figures(samples: list[Sample], role: str, start: float, end: float) -> dict[str, float]:
    """For one role over [start, end]: median total RSS (MiB), peak total RSS, and CPU
    used in the window as a percentage of one core."""
    in_window = [s for s in samples if s.role == role and start <= s.time <= end]
    if not in_window:
        return {}
    by_time: dict[float, list[Sample]] = {}
    for s in in_window:
        by_time.setdefault(s.time, []).append(s)
    totals = sorted(sum(s.rss_bytes for s in group) for group in by_time.values())
    first, last = min(by_time), max(by_time)
    used = _cpu_between(by_time[first], by_time[last])
    seconds = last - first
    return {
        "rss_mib": totals[len(totals) // 2] / 2**20,
        "rss_peak_mib": totals[-1] / 2**20,
        "cpu_percent": 100 * used / seconds if seconds > 0 else 0.0,
        "processes": max(len(group) for group in by_time.values()),
    }


def _cpu_between(first: list[Sample], last: list[Sample]) -> float:
    """CPU used between two samples of a group: processes present at both ends count
    their difference; ones that appeared meanwhile count all of theirs."""
    before = {s.pid: s.cpu_seconds for s in first}
    return sum(s.cpu_seconds - before.get(s.pid, 0.0) for s in last)
