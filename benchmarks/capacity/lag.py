"""Event-loop lag of the gateway workers, from the probe's files (`probe.py`), cut by step
windows."""

from __future__ import annotations

from pathlib import Path


def read_lag(probe_dir: Path) -> list[tuple[float, float]]:
    """(epoch seconds, lag ms) of every worker, in time order."""
    samples: list[tuple[float, float]] = []
    for path in sorted(probe_dir.glob("*.csv")):
        for line in path.read_text().splitlines():
            stamp, _, lag = line.partition(",")
            try:
                samples.append((float(stamp), float(lag)))
            except ValueError:
                continue  # a line cut by the worker stopping mid-write
    samples.sort()
    return samples


def window_lag(samples: list[tuple[float, float]], start: float, end: float) -> dict[str, float]:
    values = sorted(lag for stamp, lag in samples if start <= stamp <= end)
    if not values:
        return {}

    def share(fraction: float) -> float:
        return values[min(len(values) - 1, int(fraction * len(values)))]

    return {
        "loop_lag_p50_ms": share(0.50),
        "loop_lag_p99_ms": share(0.99),
        "loop_lag_max_ms": values[-1],
    }
