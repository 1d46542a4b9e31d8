"""PNG charts of the per-step medians: latency, throughput and memory against users, for
one routing or several overlaid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.ticker import ScalarFormatter

from benchmarks.capacity.config import SLO_P95_MS

Rows = list[dict[str, Any]]


def _series(rows: Rows, key: str) -> tuple[list[int], list[float]]:
    points = [(row["users"], row[key]) for row in rows if row.get(key) is not None]
    return [users for users, _ in points], [value for _, value in points]


def _axes(title: str, ylabel: str) -> tuple[Any, Any]:
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=110)
    axes.set_title(title)
    axes.set_xlabel("concurrent users")
    axes.set_ylabel(ylabel)
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ScalarFormatter())  # 100, not 10^2: users are counted
    axes.xaxis.set_minor_formatter(ScalarFormatter())
    axes.tick_params(axis="x", which="minor", labelsize=7)
    axes.grid(True, which="both", alpha=0.3)
    return figure, axes


def _save(figure: Any, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def routing_charts(routing: str, rows: Rows, out: Path) -> list[Path]:
    paths = [out / "latency.png", out / "throughput.png", out / "memory.png"]
    figure, axes = _axes(f"{routing}: response time (median of repetitions)", "ms")
    for key, label in (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")):
        axes.plot(*_series(rows, key), marker="o", label=label)
    axes.axhline(SLO_P95_MS, color="red", linestyle="--", label="SLO p95")
    axes.set_yscale("log")
    axes.legend()
    _save(figure, paths[0])

    figure, axes = _axes(f"{routing}: throughput", "requests/s")
    axes.plot(*_series(rows, "rps"), marker="o", color="black", label="requests/s")
    axes.legend(loc="upper left")
    twin = axes.twinx()
    twin.set_ylabel("CPU, % of one core (dotted)")
    for key, label, color in (
        ("server_cpu_percent", "server CPU", "tab:blue"),
        ("mariadb_cpu_percent", "MariaDB CPU", "tab:orange"),
        ("locust_cpu_percent", "Locust CPU", "tab:green"),
        ("machine_cpu_percent", "whole machine CPU", "tab:gray"),
    ):
        if any(key in row for row in rows):
            twin.plot(*_series(rows, key), linestyle=":", marker=".", color=color, label=label)
    twin.legend(loc="lower right", fontsize=8)
    _save(figure, paths[1])

    figure, axes = _axes(f"{routing}: memory", "RSS, MiB")
    axes.plot(*_series(rows, "server_rss_mib"), marker="o", label="server (all processes)")
    if any("workers_rss_mib" in row for row in rows):
        axes.plot(*_series(rows, "workers_rss_mib"), marker="o", label="job workers")
    axes.legend()
    _save(figure, paths[2])
    return paths


def comparison_charts(by_routing: dict[str, Rows], out: Path) -> list[Path]:
    charts = (
        ("latency_p95.png", "p95_ms", "p95 response time", "ms", True),
        ("latency_p50.png", "p50_ms", "median response time", "ms", True),
        ("throughput.png", "rps", "throughput", "requests/s", False),
        ("memory.png", "server_rss_mib", "server RSS", "MiB", False),
        ("loop_lag.png", "loop_lag_p99_ms", "gateway event-loop lag, p99", "ms", True),
    )
    paths = []
    for name, key, title, unit, log_scale in charts:
        if not any(key in row for rows in by_routing.values() for row in rows):
            continue
        figure, axes = _axes(title, unit)
        for routing, rows in by_routing.items():
            axes.plot(*_series(rows, key), marker="o", label=routing)
        if key == "p95_ms":
            axes.axhline(SLO_P95_MS, color="red", linestyle="--", label="SLO")
        if log_scale:
            axes.set_yscale("log")
        axes.legend()
        _save(figure, out / name)
        paths.append(out / name)
    return paths
