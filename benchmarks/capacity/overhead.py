"""Gateway overhead on real endpoints: `benchmarks.gateway_overhead` (direct vs through the
gateway) run against `new_app` and `legacy_flask` on the seeded library, for issue 3's
target "throughput through the gateway >= 90% of direct"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.capacity.stack import REPO

ENDPOINTS = ("/api/videos/?limit=20", "/api/health")


def run_overhead(env: dict[str, str], out: Path, rounds: int) -> list[dict[str, Any]]:
    """One gateway_overhead run per endpoint (both apps each); their JSON results."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for endpoint in ENDPOINTS:
        before = set(out.glob("*.json"))
        command = [sys.executable, "-m", "benchmarks.gateway_overhead"]
        command += ["--asgi-target", "new_app:create_app", "--asgi-path", endpoint]
        command += ["--wsgi-target", "legacy_flask:create_app", "--wsgi-path", endpoint]
        command += ["--rounds", str(rounds), "--out", str(out)]
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, timeout=3600)
        written = sorted(set(out.glob("*.json")) - before)
        if written:
            results.append(json.loads(written[-1].read_text()) | {"endpoint": endpoint})
    return results


def overhead_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for result in results:
        for kind, app in (("asgi", "new_app"), ("wsgi", "legacy_flask")):
            figures = result.get(kind)
            if not isinstance(figures, dict):
                continue
            direct, through = figures["median"]["direct"], figures["median"]["gateway"]
            rows.append(
                {
                    "endpoint": result["endpoint"],
                    "app": app,
                    "direct_rps": direct["rps"],
                    "gateway_rps": through["rps"],
                    "throughput_ratio": figures["throughput_ratio"],
                    "cpu_capacity_ratio": figures["cpu_capacity_ratio"],
                    "added_cpu_us": figures["added_cpu_us_per_request"],
                    "added_latency_us": figures["added_median_latency_us"],
                    "load_average": result["machine"]["load_average"][0],
                }
            )
    return rows
