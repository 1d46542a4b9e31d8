"""The step plan the runner hands to the load shape (as JSON in `MVBENCH_PLAN`).

Kept apart from `shape.py` on purpose: importing Locust monkey-patches the whole process
with gevent, which the runner (and the test suite importing it) must not suffer."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    steps: list[int]
    warmup_users: int
    warmup_seconds: float
    ramp_seconds: float
    settle_seconds: float
    measure_seconds: float
    slo_p95_ms: float
    slo_failure_ratio: float
    breaks_to_stop: int
    mix: str = "ui"  # "ui": the browser users; "seed": plus integration clients (mixes.py)
    upstream_delay_ms: tuple[float, float] = (1000.0, 10000.0)  # the seed mix's spread
    out: str = ""  # the file step lines go to; the runner fills it in for each Locust run

    @classmethod
    def from_env(cls) -> Plan:
        values = json.loads(os.environ["MVBENCH_PLAN"])
        if "upstream_delay_ms" in values:
            values["upstream_delay_ms"] = tuple(values["upstream_delay_ms"])
        return cls(**values)
