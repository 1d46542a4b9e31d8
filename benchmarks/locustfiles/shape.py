"""The step load: a warm-up, then user counts one after another, each held until the
measurement of that count is taken; the run stops once the SLO breaks.

Driven by `MVBENCH_PLAN` (JSON, written by the runner):

    {"warmup_users": 10, "warmup_seconds": 20, "steps": [10, 20, 40],
     "ramp_seconds": 4, "settle_seconds": 6, "measure_seconds": 30,
     "slo_p95_ms": 500, "slo_failure_ratio": 0.001, "breaks_to_stop": 1,
     "out": "steps.jsonl"}

In the `seed` mix the SLO judges two groups apart: the requests that call no upstream
(p95 of their response time) and the upstream-backed ones, recorded as `upstream: ...`
with the server-added time (response time minus the simulator's known delay) as their
response time (p95 of that); failures over all requests. Both groups' figures are in the
step's line (`local_*`, `upstream_*`).

Each step: users are added over `ramp_seconds`, left to settle (queues fill, connections
open), then Locust's statistics are reset and `measure_seconds` of traffic is recorded.
One JSON line per step goes to `out`, with wall-clock bounds (epoch seconds) so the runner
can line up what it sampled meanwhile (memory, CPU, event-loop lag).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from locust import LoadTestShape
from locust.stats import StatsEntry

from benchmarks.locustfiles.plan import Plan

PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
TOP_ERRORS = 10
UPSTREAM_PREFIX = "upstream: "  # as in mvidarr.py (not imported: it defines the users)


def entry_figures(entry: StatsEntry) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "avg_ms": entry.avg_response_time,
        "max_ms": entry.max_response_time,
    }
    for key, share in PERCENTILES.items():
        measured = entry.num_requests > 0
        figures[f"{key}_ms"] = entry.get_response_time_percentile(share) if measured else None
    return figures


def within_slo(figures: dict[str, Any], plan: Plan) -> bool:
    if not figures["requests"]:
        return False
    failure_ratio = figures["failures"] / figures["requests"]
    return figures["p95_ms"] <= plan.slo_p95_ms and failure_ratio <= plan.slo_failure_ratio


def within_seed_slo(groups: dict[str, dict[str, Any]], total: dict[str, Any], plan: Plan) -> bool:
    """Each group's p95 within the SLO (a group without requests counts as within it),
    and failures over all requests within the failure ratio."""
    if not total["requests"]:
        return False
    p95_ok = all(
        group["p95_ms"] <= plan.slo_p95_ms for group in groups.values() if group["requests"]
    )
    return p95_ok and total["failures"] / total["requests"] <= plan.slo_failure_ratio


def grouped_figures(entries: list[StatsEntry], stats: Any) -> dict[str, dict[str, Any]]:
    """`local` (no upstream) and `upstream` (server-added time) figures of these entries."""
    groups: dict[str, dict[str, Any]] = {}
    for group in ("local", "upstream"):
        merged = StatsEntry(stats, group, "", use_response_times_cache=False)
        for entry in entries:
            if entry.name.startswith(UPSTREAM_PREFIX) == (group == "upstream"):
                merged.extend(entry)
        groups[group] = entry_figures(merged)
    return groups


class StepLoad(LoadTestShape):
    def __init__(self) -> None:
        super().__init__()
        self.plan = Plan.from_env()
        self.step = -1  # -1: warming up
        self.phase_started = 0.0
        self.measuring = False
        self.window_started = 0.0
        self.spawn_rate = float(max(1, self.plan.warmup_users))
        self.breaks = 0

    def tick(self) -> tuple[int, float] | None:
        now = self.get_run_time()
        if self.step < 0:
            if now < self.plan.warmup_seconds:
                return self.plan.warmup_users, self.spawn_rate
            self._next_step(now, self.plan.warmup_users)
        elif not self.measuring:
            if now - self.phase_started >= self.plan.ramp_seconds + self.plan.settle_seconds:
                self.runner.stats.reset_all()
                self.window_started = time.time()
                self.phase_started = now
                self.measuring = True
        elif now - self.phase_started >= self.plan.measure_seconds:
            if not self._record_step():
                return None
            if self.step + 1 >= len(self.plan.steps):
                return None
            self._next_step(now, self.plan.steps[self.step])
        return self.plan.steps[self.step], self.spawn_rate

    def _next_step(self, now: float, previous_users: int) -> None:
        self.step += 1
        self.phase_started = now
        self.measuring = False
        added = abs(self.plan.steps[self.step] - previous_users)
        self.spawn_rate = max(1.0, added / max(self.plan.ramp_seconds, 1.0))

    def _record_step(self) -> bool:
        """Write the step's line; False when the run should stop (the SLO broke)."""
        ended = time.time()
        stats = self.runner.stats
        total = entry_figures(stats.total)
        seconds = ended - self.window_started
        groups: dict[str, dict[str, Any]] = {}
        if self.plan.mix == "seed":
            groups = grouped_figures(list(stats.entries.values()), stats)
            ok = within_seed_slo(groups, total, self.plan)
        else:
            ok = within_slo(total, self.plan)
        errors = sorted(stats.errors.values(), key=lambda e: e.occurrences, reverse=True)
        line = {
            "step": self.step,
            "users": self.plan.steps[self.step],
            "users_running": self.runner.user_count,
            "start": self.window_started,
            "end": ended,
            "seconds": seconds,
            "rps": total["requests"] / seconds if seconds > 0 else 0.0,
            **total,
            **{
                f"{group}_{key}": value
                for group, figures in groups.items()
                for key, value in figures.items()
            },
            "slo_ok": ok,
            "requests_by_name": {
                f"{entry.method} {entry.name}": entry_figures(entry)
                for entry in stats.entries.values()
            },
            "errors": [
                {"request": f"{e.method} {e.name}", "error": str(e.error), "count": e.occurrences}
                for e in errors[:TOP_ERRORS]
            ],
        }
        with Path(self.plan.out).open("a") as out:
            out.write(json.dumps(line) + "\n")
        if not ok:
            self.breaks += 1
        return self.breaks < self.plan.breaks_to_stop
