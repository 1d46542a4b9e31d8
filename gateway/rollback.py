"""Automatic rollback: when a route's non-default backend misbehaves, send it back.

Over the route's sliding window, once its backend has served `min_requests`:
- **errors**: its 5xx share exceeds `error_percent`, or
- **latency**: its p95 exceeds `latency_factor` x the default backend's p95 for the same
  route (known from canary traffic or shadow copies, with `min_requests` of its own) and
  also exceeds `latency_floor_ms` (so that 1 ms against 0.3 ms is not a "3x slowdown").

The route then goes to the default backend and stays there until an operator clears it or
edits the route. The rule is a pure function of two tallies; `gateway.controls` runs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from gateway.schema import Route, RoutingTable
from gateway.window import Tally

DEFAULTS = {
    "enabled": True,
    "window": 60.0,
    "min_requests": 20,
    "error_percent": 5.0,
    "latency_factor": 3.0,
    "latency_floor_ms": 20.0,
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    enabled: bool
    window: float
    min_requests: int
    error_percent: float
    latency_factor: float
    latency_floor_ms: float


def thresholds_for(table: RoutingTable, route: Route) -> Thresholds:
    """The route's own keys, else the table's `rollback:`, else the built-in defaults."""
    values: dict[str, Any] = dict(DEFAULTS)
    values.update(table.rollback.model_dump(exclude_none=True))
    if route.rollback is not None:
        values.update(route.rollback.model_dump(exclude_none=True))
    return Thresholds(**values)


def fingerprint(route: Route, thresholds: Thresholds) -> str:
    """Changes whenever the route (or a threshold it inherits) is edited: a rollback holds
    for the route as it was when it happened, and the window restarts after an edit."""
    text = json.dumps([route.model_dump(mode="json"), asdict(thresholds)], sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Verdict:
    reason: str  # "errors" or "latency"
    figures: dict[str, Any]


def judge(limits: Thresholds, served: Tally, baseline: Tally) -> Verdict | None:
    """Whether the window's figures call for a rollback (`served`: the route's backend,
    `baseline`: the default backend on the same route)."""
    if served.requests < limits.min_requests:
        return None
    figures: dict[str, Any] = {
        "requests": served.requests,
        "errors": served.errors,
        "error_percent": round(served.error_share * 100, 2),
        "p95_ms": served.p95_ms,
        "default_requests": baseline.requests,
        "default_p95_ms": baseline.p95_ms,
        "window_seconds": limits.window,
    }
    if served.error_share * 100 > limits.error_percent:
        return Verdict("errors", {**figures, "threshold_error_percent": limits.error_percent})
    if baseline.requests < limits.min_requests:
        return None
    served_p95, baseline_p95 = served.p95_ms, baseline.p95_ms
    if served_p95 is None or baseline_p95 is None:
        return None
    if served_p95 > limits.latency_factor * baseline_p95 and served_p95 > limits.latency_floor_ms:
        return Verdict(
            "latency",
            {
                **figures,
                "threshold_latency_factor": limits.latency_factor,
                "threshold_latency_floor_ms": limits.latency_floor_ms,
            },
        )
    return None


@dataclass(frozen=True)
class RollbackEvent:
    route: str  # the route's label
    path: str
    fingerprint: str
    backend: str  # rolled back from
    fallback: str  # to (the default backend)
    reason: str
    figures: dict[str, Any]
    at: float
    by: str  # which gateway process decided it ("host:pid")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RollbackEvent:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def rollback_in_force(
    rollbacks: Mapping[str, RollbackEvent], label: str, fingerprint: str
) -> RollbackEvent | None:
    """The route's rollback, if one stands for this very version of the route (editing the
    route changes its fingerprint, which ends the rollback)."""
    event = rollbacks.get(label)
    return event if event is not None and event.fingerprint == fingerprint else None
