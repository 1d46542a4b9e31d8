"""A load generator process: `python -m benchmarks.gateway_overhead.load URL ...`.

Keep-alive connections, each driven by a greenlet (geventhttpclient, which ships with the
dev extras through locust): fast enough that one Python process can push a single-worker
server to its limit. Prints one JSON object: requests, errors, requests/s and latency
percentiles in microseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from urllib.parse import urlsplit

import gevent
from geventhttpclient import HTTPClient


def percentile_us(ordered_seconds: list[float], share: float) -> float:
    """The `share` percentile of sorted latencies in seconds, in microseconds."""
    if not ordered_seconds:
        return float("nan")
    return ordered_seconds[min(len(ordered_seconds) - 1, int(share * len(ordered_seconds)))] * 1e6


def run(url: str, seconds: float, concurrency: int) -> dict[str, float]:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    client = HTTPClient(
        parts.hostname or "127.0.0.1",
        parts.port,
        concurrency=concurrency,
        connection_timeout=10,
        network_timeout=30,
    )
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    def user() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = client.get(path)
                response.read()
                if response.status_code != 200:
                    errors += 1
            except Exception:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    gevent.joinall([gevent.spawn(user) for _ in range(concurrency)])
    elapsed = time.perf_counter() - began
    client.close()
    latencies.sort()

    def percentile(share: float) -> float:
        return percentile_us(latencies, share)

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_us": statistics.median(latencies) * 1e6 if latencies else float("nan"),
        "p90_us": percentile(0.90),
        "p99_us": percentile(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.url, arguments.seconds, arguments.concurrency)))


if __name__ == "__main__":
    main()
