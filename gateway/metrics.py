"""Prometheus metrics of one gateway, and the per-route traffic figures shown by status.

Each gateway app has its own registry (nothing global, so tests can build many). When
`PROMETHEUS_MULTIPROC_DIR` is set (`mvgate serve --workers N` sets it), prometheus-client
writes every value to files in that directory and `/metrics` adds up all workers; gauges
declare how to combine workers (`livesum`: only live processes count).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

__all__ = ["CONTENT_TYPE", "GatewayMetrics", "Traffic"]

UNMATCHED = "(unmatched)"
DURATION_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip


@dataclass
class Traffic:
    """What one backend did for one route (or for unmatched requests)."""

    requests: int = 0
    errors: int = 0  # 5xx answers
    p95_ms: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"requests": self.requests, "errors": self.errors, "p95_ms": self.p95_ms}


class ThreadGauge:
    """Counts a WSGI backend's busy threads (`gateway.backends.ThreadUsage`)."""

    def __init__(self, gauge: Gauge) -> None:
        self._gauge = gauge

    def enter(self) -> None:
        self._gauge.inc()

    def leave(self) -> None:
        self._gauge.dec()


class GatewayMetrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "mvgate_requests",
            "Requests answered, by route template, method, backend and status.",
            ["route", "method", "backend", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "mvgate_request_duration_seconds",
            "Time from the request's arrival to the end of its response.",
            ["route", "backend"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "mvgate_requests_in_flight",
            "Requests (and open websockets) being served, by backend.",
            ["backend"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.wsgi_threads = Gauge(
            "mvgate_wsgi_threads",
            "Size of each WSGI backend's thread pool.",
            ["backend"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.wsgi_busy = Gauge(
            "mvgate_wsgi_threads_busy",
            "WSGI pool threads serving a request now.",
            ["backend"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.backend_exceptions = Counter(
            "mvgate_backend_exceptions",
            "Exceptions raised by a backend while serving a request.",
            ["backend"],
            registry=registry,
        )
        self.reloads = Counter(
            "mvgate_routing_table_reloads",
            "Routing table reloads by result (ok, unchanged, invalid).",
            ["result"],
            registry=registry,
        )
        self.table_ok = Gauge(
            "mvgate_routing_table_ok",
            "1 when the last reload succeeded; 0 while the file on disk is refused.",
            registry=registry,
            multiprocess_mode="livemin",
        )
        self.table_loaded = Gauge(
            "mvgate_routing_table_loaded_timestamp_seconds",
            "When the table in force was loaded.",
            registry=registry,
            multiprocess_mode="livemax",
        )
        # -- cutover controls --
        self.shadow_requests = Counter(
            "mvgate_shadow_requests",
            "Shadow copies by route and outcome: match, noise (only noisy differences), diff, "
            "error (the copy failed), dropped (too many in flight), skipped (body too large).",
            ["route", "outcome"],
            registry=registry,
        )
        self.shadow_in_flight = Gauge(
            "mvgate_shadow_in_flight",
            "Shadow copies running now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.rollbacks = Counter(
            "mvgate_rollbacks",
            "Automatic rollbacks decided, by route and reason (errors, latency).",
            ["route", "reason"],
            registry=registry,
        )
        self.rolled_back = Gauge(
            "mvgate_route_rolled_back",
            "1 while the route is rolled back to the default backend.",
            ["route"],
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.rate_limited = Counter(
            "mvgate_rate_limited",
            "Requests refused with 429 by a rate limit, by route.",
            ["route"],
            registry=registry,
        )
        self.admission_refused_total = Counter(
            "mvgate_admission_refused",
            "Requests answered 503 because the backend's admission bound stayed full.",
            ["backend"],
            registry=registry,
        )
        self.override_ignored = Counter(
            "mvgate_override_ignored",
            "Requests whose override named a backend the table does not have.",
            registry=registry,
        )
        self.state_errors = Counter(
            "mvgate_shared_state_errors",
            "Failed exchanges with the shared state store (Redis).",
            registry=registry,
        )
        self._children: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}
        self._in_flight: dict[str, Gauge] = {}

    # -- hot path --------------------------------------------------------------------------

    def request_started(self, backend: str) -> None:
        gauge = self._in_flight.get(backend)
        if gauge is None:
            gauge = self._in_flight[backend] = self.in_flight.labels(backend)
        gauge.inc()

    def request_finished(
        self, route: str, method: str, backend: str, status: int, seconds: float
    ) -> None:
        key = (route, method, backend, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(route, method, backend, str(status)),
                self.duration.labels(route, backend),
            )
        children[0].inc()
        children[1].observe(seconds)
        self._in_flight[backend].dec()

    def request_refused(self, route: str, method: str, status: int, seconds: float) -> None:
        """A request the gateway answered itself (rate limit), without any backend."""
        self.requests.labels(route, method, "gateway", str(status)).inc()
        self.duration.labels(route, "gateway").observe(seconds)
        self.rate_limited.labels(route).inc()

    def admission_refused(self, backend: str) -> None:
        self.admission_refused_total.labels(backend).inc()

    # -- everything else -------------------------------------------------------------------

    def shadow_outcome(self, route: str, outcome: str) -> None:
        self.shadow_requests.labels(route, outcome).inc()

    def shadow_running(self, count: int) -> None:
        self.shadow_in_flight.set(count)

    def thread_usage(self, backend: str, threads: int) -> ThreadGauge:
        self.wsgi_threads.labels(backend).set(threads)
        return ThreadGauge(self.wsgi_busy.labels(backend))

    def backend_removed(self, backend: str, kind: str) -> None:
        if kind == "wsgi":
            self.wsgi_threads.labels(backend).set(0)

    def exposition_registry(self) -> CollectorRegistry:
        if not self.multiprocess:
            return self.registry
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry

    def exposition(self) -> bytes:
        return generate_latest(self.exposition_registry())

    def traffic(self) -> dict[tuple[str, str], Traffic]:
        """Requests, 5xx and p95 latency by (route, backend), over all workers."""
        figures: dict[tuple[str, str], Traffic] = defaultdict(Traffic)
        buckets: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        for family in self.exposition_registry().collect():
            for sample in family.samples:
                labels = sample.labels
                if sample.name == "mvgate_requests_total":
                    traffic = figures[(labels["route"], labels["backend"])]
                    traffic.requests += int(sample.value)
                    if labels["status"].startswith("5"):
                        traffic.errors += int(sample.value)
                elif sample.name == "mvgate_request_duration_seconds_bucket":
                    bound = float(labels["le"])
                    buckets[(labels["route"], labels["backend"])].append((bound, sample.value))
        for key, counts in buckets.items():
            figures[key].p95_ms = _quantile_ms(sorted(counts), 0.95)
        return dict(figures)


def _quantile_ms(cumulative: list[tuple[float, float]], quantile: float) -> float | None:
    """Estimate a quantile from cumulative histogram buckets, interpolating linearly inside
    the bucket that holds it (what PromQL's histogram_quantile does)."""
    if not cumulative or cumulative[-1][1] == 0:
        return None
    rank = quantile * cumulative[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in cumulative:
        if count >= rank:
            if bound == float("inf"):
                return round(lower_bound * 1000, 3)
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return round((lower_bound + (bound - lower_bound) * share) * 1000, 3)
        lower_bound, lower_count = bound, count
    return None
