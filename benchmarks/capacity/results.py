"""From repetitions to figures: capacity per repetition, per-step medians over repetitions,
and the CSV files of a routing's result directory."""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.capacity.repetition import RepetitionResult, capacity_of

# Columns first in the CSV files, in this order; any other figure follows.
LEADING = (
    "routing", "repetition", "step", "users", "users_running", "seconds", "requests",
    "failures", "failure_ratio", "rps", "p50_ms", "p95_ms", "p99_ms", "avg_ms", "max_ms",
    "slo_ok", "server_rss_mib", "server_rss_peak_mib", "server_cpu_percent",
    "loop_lag_p50_ms", "loop_lag_p99_ms", "loop_lag_max_ms",
)  # fmt: skip
NOT_AVERAGED = {"routing", "repetition", "step", "start", "end", "errors", "slo_ok"}
NOT_IN_CSV = {"errors", "requests_by_name"}


@dataclass
class RoutingResult:
    routing: str
    repetitions: list[RepetitionResult]

    @property
    def capacities(self) -> list[int]:
        return [capacity_of(rep.steps) for rep in self.repetitions]

    @property
    def capacity(self) -> int:
        return int(statistics.median_low(self.capacities))

    @property
    def never_broke(self) -> bool:
        """Some repetition ran every step within the SLO: its capacity is a lower bound."""
        return any(rep.steps and all(s["slo_ok"] for s in rep.steps) for rep in self.repetitions)

    def median_steps(self) -> list[dict[str, Any]]:
        """One row per user count: the median over the repetitions that measured it."""
        by_users: dict[int, list[dict[str, Any]]] = {}
        for rep in self.repetitions:
            for row in rep.steps:
                by_users.setdefault(row["users"], []).append(row)
        merged = []
        for users in sorted(by_users):
            rows = by_users[users]
            row: dict[str, Any] = {"users": users, "repetitions": len(rows)}
            keys = {key for r in rows for key in r} - NOT_AVERAGED - {"users"}
            for key in sorted(keys):
                values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
                if values:
                    row[key] = statistics.median(values)
            row["slo_ok_all"] = all(r["slo_ok"] for r in rows)
            merged.append(row)
        return merged

    def at(self, users: int) -> dict[str, Any] | None:
        return next((row for row in self.median_steps() if row["users"] == users), None)

    def failures_up_to(self, users: int) -> tuple[int, int]:
        """(failed, all) requests over every measured step up to `users`, all repetitions."""
        steps = [s for rep in self.repetitions for s in rep.steps if s["users"] <= users]
        return sum(s["failures"] for s in steps), sum(s["requests"] for s in steps)

    def ttfb_unloaded(self) -> dict[str, float]:
        figures: dict[str, list[float]] = {}
        for rep in self.repetitions:
            for kind, values in rep.ttfb.items():
                figures.setdefault(kind, []).append(values["p50_ms"])
        return {kind: statistics.median(values) for kind, values in figures.items()}


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    keys: list[str] = [key for key in LEADING if any(key in row for row in rows)]
    keys += sorted({key for row in rows for key in row} - set(keys) - NOT_IN_CSV)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _cell(row.get(key)) for key in keys})


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e-3 else f"{value:.3f}".rstrip("0").rstrip(".")
    return "" if value is None else value


def write_csvs(result: RoutingResult, out: Path) -> None:
    steps = [
        {"routing": result.routing, "repetition": rep.repetition} | row
        for rep in result.repetitions
        for row in rep.steps
    ]
    _write(out / "steps.csv", steps)
    medians = [{"routing": result.routing} | row for row in result.median_steps()]
    _write(out / "steps_median.csv", medians)
    requests = [
        {"routing": result.routing, "repetition": rep.repetition, "users": row["users"]}
        | {"request": name}
        | figures
        for rep in result.repetitions
        for row in rep.steps
        for name, figures in row.get("requests_by_name", {}).items()
    ]
    _write(out / "requests.csv", requests)
    samples = [
        {"repetition": rep.repetition} | sample.__dict__
        for rep in result.repetitions
        for sample in rep.samples
    ]
    _write(out / "processes.csv", samples)
    errors = [
        {"repetition": rep.repetition, "users": row["users"]} | error
        for rep in result.repetitions
        for row in rep.steps
        for error in row.get("errors", [])
    ]
    _write(out / "errors.csv", errors)
    ttfb = [
        {"repetition": rep.repetition, "kind": kind} | values
        for rep in result.repetitions
        for kind, values in rep.ttfb.items()
    ]
    _write(out / "ttfb_unloaded.csv", ttfb)
