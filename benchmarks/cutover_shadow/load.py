"""An open-loop load generator: `python -m benchmarks.cutover_shadow.load URL --rate R`.

Requests are sent on a fixed schedule (`rate` a second, whatever the answers do), each from
its own greenlet over a pool of keep-alive connections (geventhttpclient, shipped with the
dev extras through locust). A request's latency counts from the moment it was *due*, so
time spent waiting for a free connection is included (no coordinated omission). Prints one
JSON object: requests, errors, achieved rate, latency percentiles in microseconds.
"""

from __future__ import annotations

import argparse
import json
import time
from urllib.parse import urlsplit

import gevent
from geventhttpclient import HTTPClient

from benchmarks.gateway_overhead.load import percentile_us


def run(
    url: str, rate: float, seconds: float, connections: int, cookie: str | None
) -> dict[str, float]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    client = HTTPClient(
        parts.hostname or "127.0.0.1",
        parts.port,
        concurrency=connections,
        connection_timeout=10,
        network_timeout=30,
    )
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[float] = []
    errors = 0
    total = int(rate * seconds)
    began = time.perf_counter() + 0.05

    def one(due: float) -> None:
        nonlocal errors
        try:
            response = client.get(path, headers=headers)
            response.read()
            if response.status_code != 200:
                errors += 1
                return
        except Exception:
            errors += 1
            return
        latencies.append(time.perf_counter() - due)

    greenlets = []

    def schedule() -> None:
        # One greenlet spawns the requests when they are due (gevent's timers measure from
        # the loop's cached clock, so each wait is checked against the real one).
        for number in range(total):
            due = began + number / rate
            while (wait := due - time.perf_counter()) > 0:
                gevent.sleep(wait)
            greenlets.append(gevent.spawn(one, due))

    gevent.spawn(schedule).join()
    gevent.joinall(greenlets)
    elapsed = time.perf_counter() - began
    client.close()
    latencies.sort()

    def percentile(share: float) -> float:
        return percentile_us(latencies, share)

    return {
        "requests": len(latencies),
        "errors": errors,
        "achieved_rate": len(latencies) / elapsed,
        "p50_us": percentile(0.50),
        "p90_us": percentile(0.90),
        "p99_us": percentile(0.99),
        "max_us": latencies[-1] * 1e6 if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--cookie", default=None, help="a Cookie header for every request")
    options = parser.parse_args()
    result = run(options.url, options.rate, options.seconds, options.connections, options.cookie)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
