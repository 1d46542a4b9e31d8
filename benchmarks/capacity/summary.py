"""`<label>-comparison/summary.json`: the run's headline figures, machine-readable.

One entry per mix and routing, at the load all-legacy sustains (its capacity; its first
step when even that broke the SLO, named in `load_users`). A figure the run did not
measure is null, never left out, so a reader can tell "not measured" from "zero"."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from benchmarks.capacity.config import RunConfig
from benchmarks.capacity.results import RoutingResult

BEFORE = "all-legacy"
MIX_KEYS = (
    "capacity_users",
    "cpu_ms_per_request",
    "p95_ms_at_legacy_capacity",
    "rss_mib_at_legacy_capacity",
    "goodput_share_at_2x_capacity",
)
STREAM_KINDS = ("mp4", "mkv")


def equal_load(results: dict[str, RoutingResult]) -> int | None:
    """The user count all routings are compared at."""
    before = results.get(BEFORE)
    if before is None:
        return None
    if before.capacity:
        return before.capacity
    steps = before.median_steps()
    return steps[0]["users"] if steps else None


def cpu_ms_per_request(row: dict[str, Any]) -> float | None:
    """Server CPU seconds per request, in ms: CPU % of one core / requests per second."""
    cpu, rps = row.get("server_cpu_percent"), row.get("rps")
    if cpu is None or not rps:
        return None
    return round(cpu * 10 / rps, 3)


def mix_summary(results: dict[str, RoutingResult]) -> dict[str, Any]:
    load = equal_load(results)
    figures: dict[str, Any] = {key: {} for key in MIX_KEYS}
    figures["load_users"] = load
    for name, result in results.items():
        row = (result.at(load) if load is not None else None) or {}
        figures["capacity_users"][name] = result.capacity
        figures["cpu_ms_per_request"][name] = cpu_ms_per_request(row)
        figures["p95_ms_at_legacy_capacity"][name] = row.get("p95_ms")
        figures["rss_mib_at_legacy_capacity"][name] = row.get("server_rss_mib")
        # Measured by a past-capacity run (admission bounds), not by the step load.
        figures["goodput_share_at_2x_capacity"][name] = None
        for group in ("local", "upstream"):
            if f"{group}_p95_ms" in row:
                figures.setdefault(f"{group}_p95_ms_at_legacy_capacity", {})[name] = row[
                    f"{group}_p95_ms"
                ]
    return figures


def streams(results: dict[str, RoutingResult]) -> dict[str, Any]:
    load = equal_load(results)
    unloaded: dict[str, dict[str, Any]] = {kind: {} for kind in STREAM_KINDS}
    loaded: dict[str, dict[str, Any]] = {kind: {} for kind in STREAM_KINDS}
    for name, result in results.items():
        quiet = result.ttfb_unloaded()
        row = (result.at(load) if load is not None else None) or {}
        for kind in STREAM_KINDS:
            unloaded[kind][name] = quiet.get(kind)
            loaded[kind][name] = row.get(f"ttfb_{kind}_p50_ms")
    return {"unloaded": unloaded, "loaded": loaded}


def gateway(overhead: list[dict[str, Any]]) -> dict[str, Any]:
    """What `benchmarks.gateway_overhead` measured on the new app's /api/health; the url
    backend and WSGI-mount figures come from `benchmarks/proxy_peers` (null here)."""
    health = next(
        (r for r in overhead if r["app"] == "new_app" and r["endpoint"] == "/api/health"), None
    )
    return {
        "new_health_through_gateway_ratio": health["throughput_ratio"] if health else None,
        "added_cpu_us_per_request": health["added_cpu_us"] if health else None,
        "url_backend_cpu_us_per_request": {"c1": None, "c16": None, "c64": None},
        "url_backend_vs_nginx_throughput_c64": None,
        "wsgi_mount_vs_gunicorn_throughput_c64": None,
    }


def write_summary(
    by_mix: dict[str, dict[str, RoutingResult]],
    config: RunConfig,
    overhead: list[dict[str, Any]],
) -> Path:
    first_mix = next(iter(by_mix.values()), {})
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "label": config.label,
        "mode": config.mode,
        "repetitions": config.repetitions,
        "mixes": {
            mix: mix_summary(by_mix[mix]) if mix in by_mix else None for mix in ("ui", "seed")
        },
        # Streams are measured in the ui mix (the seed mix runs the same stream tasks).
        "streams_first_byte_ms": streams(by_mix.get("ui", first_mix)),
        "gateway": gateway(overhead),
    }
    out = config.out / f"{config.label}-comparison" / "summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1) + "\n")
    return out
