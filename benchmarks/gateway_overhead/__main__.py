"""Gateway overhead: direct vs through the gateway, for an ASGI and a WSGI app, in one run.

    python -m benchmarks.gateway_overhead [--asgi-target X --asgi-path /p] [--wsgi-target ...]

For each kind, two server processes stay up for the whole run: the app served directly by
uvicorn (a WSGI app behind a2wsgi with the same pool size) and the gateway (`mvgate serve`,
one worker, access log on) with a table of `--routes` routes where the measured path is one
of them. A separate load generator process then measures, in rounds that alternate the
order of the two servers (the machine is shared: medians of the rounds are reported):

- throughput: requests/s at `--concurrency` connections for `--seconds`;
- server CPU per request: CPU time the server process used / requests it answered. It does
  not depend on whether the load generator or the server is the bottleneck, so
  `direct CPU / gateway CPU` is the throughput ratio the server could sustain;
- latency: the median of sequential requests (one connection), and the difference.

Ratios and differences are computed within each round (both servers measured back to back)
and the median over rounds is reported; medians of the raw figures are kept in the JSON.

Also the cost of one routing decision at 10 and 1,000 routes. Results are printed and
written as JSON to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.gateway_overhead.decision import decision_cost_ns, synthetic_table

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    @property
    def cpu_seconds(self) -> float:
        process = psutil.Process(self.process.pid)
        times = process.cpu_times()
        return times.user + times.system


def start(name: str, args: list[str], log: Path, stack: ExitStack) -> Server:
    handle = log.open("wb")
    process = subprocess.Popen(args, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        handle.close()

    stack.callback(stop)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:  # the socket listens: early requests wait in its backlog
            return Server(name, process, found.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log.read_text()}")
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not start:\n{log.read_text()}")


def gateway_table(kind: str, target: str, path: str, threads: int, routes: int) -> str:
    """The measured path routed to the app, among `routes` routes (the others point at a
    URL backend that is never called, so they cost only matching)."""
    decoys = synthetic_table(routes - 1).split("routes:\n", 1)[1]
    path = path.split("?", 1)[0]  # a measured URL may carry a query; the route has none
    spec = f'{{{kind}: "{target}"' + (f", threads: {threads}}}" if kind == "wsgi" else "}")
    return (
        "version: 1\ndefault: app\nbackends:\n"
        f"  app: {spec}\n  legacy: {{url: 'http://127.0.0.1:9'}}\n"
        "  new: {url: 'http://127.0.0.1:10'}\nroutes:\n"
        + decoys
        + f"  - {{path: '{path}', methods: [GET], backend: app}}\n"
    )


def load(url: str, seconds: float, concurrency: int) -> dict[str, float]:
    args = [sys.executable, "-m", "benchmarks.gateway_overhead.load", url]
    args += ["--seconds", str(seconds), "--concurrency", str(concurrency)]
    finished = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(finished.stdout)


def measure_kind(
    kind: str, target: str, path: str, options: argparse.Namespace
) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix=f"gateway-overhead-{kind}-"))
    table = workdir / "routing_table.yaml"
    table.write_text(gateway_table(kind, target, path, options.threads, options.routes))
    direct_args = [sys.executable, "-m", "benchmarks.gateway_overhead.direct", "--kind", kind]
    direct_args += ["--target", target, "--threads", str(options.threads)]
    gateway_args = [sys.executable, "-m", "gateway.cli", "serve", "--port", "0", "--no-watch"]
    gateway_args += ["--routes", str(table)]
    if not options.access_log:
        gateway_args.append("--no-access-log")
    rounds: dict[str, list[dict[str, float]]] = {"direct": [], "gateway": []}
    with ExitStack() as stack:
        servers = [
            start("direct", direct_args, workdir / "direct.log", stack),
            start("gateway", gateway_args, workdir / "gateway.log", stack),
        ]
        for server in servers:
            load(server.url + path, 1.0, options.concurrency)  # warm up
        for round_number in range(options.rounds):
            order = servers if round_number % 2 == 0 else list(reversed(servers))
            for server in order:
                cpu_before = server.cpu_seconds
                throughput = load(server.url + path, options.seconds, options.concurrency)
                cpu = server.cpu_seconds - cpu_before
                latency = load(server.url + path, options.latency_seconds, 1)
                rounds[server.name].append(
                    {
                        "rps": throughput["rps"],
                        "errors": throughput["errors"] + latency["errors"],
                        "cpu_us_per_request": cpu / throughput["requests"] * 1e6,
                        "latency_p50_us": latency["p50_us"],
                        "loaded_p50_us": throughput["p50_us"],
                        "loaded_p99_us": throughput["p99_us"],
                    }
                )
    medians = {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in rounds.items()
    }
    # Each round measured both servers back to back: compare within rounds, then take the
    # median over rounds, which keeps the machine's changing load out of the ratios.
    pairs = list(zip(rounds["direct"], rounds["gateway"], strict=True))

    def paired(figure: Callable[[dict[str, float], dict[str, float]], float]) -> float:
        return statistics.median(figure(direct, through) for direct, through in pairs)

    return {
        "kind": kind,
        "target": target,
        "path": path,
        "rounds": rounds,
        "median": medians,
        "throughput_ratio": paired(lambda d, g: g["rps"] / d["rps"]),
        "throughput_ratio_per_round": [g["rps"] / d["rps"] for d, g in pairs],
        "cpu_capacity_ratio": paired(
            lambda d, g: d["cpu_us_per_request"] / g["cpu_us_per_request"]
        ),
        "added_cpu_us_per_request": paired(
            lambda d, g: g["cpu_us_per_request"] - d["cpu_us_per_request"]
        ),
        "added_median_latency_us": paired(lambda d, g: g["latency_p50_us"] - d["latency_p50_us"]),
    }


def report(results: dict[str, object]) -> str:
    lines = [
        "| app | direct req/s | gateway req/s | ratio | CPU us/req direct | gateway "
        "| capacity ratio | added CPU us | median latency direct us | gateway | added us |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("asgi", "wsgi"):
        result = results.get(kind)
        if not isinstance(result, dict):
            continue
        direct, through = result["median"]["direct"], result["median"]["gateway"]
        lines.append(
            f"| {kind} `{result['target']}` {result['path']} | {direct['rps']:.0f} "
            f"| {through['rps']:.0f} | {result['throughput_ratio']:.1%} "
            f"| {direct['cpu_us_per_request']:.0f} | {through['cpu_us_per_request']:.0f} "
            f"| {result['cpu_capacity_ratio']:.1%} | {result['added_cpu_us_per_request']:+.0f} "
            f"| {direct['latency_p50_us']:.0f} "
            f"| {through['latency_p50_us']:.0f} | {result['added_median_latency_us']:+.0f} |"
        )
    lines.append("")
    lines.append("| routes | decision, median over request kinds (us) | slowest kind (us) |")
    lines.append("|---|---|---|")
    for size, figures in results["decision_ns"].items():  # type: ignore[union-attr]
        values = list(figures.values())
        lines.append(
            f"| {size} | {statistics.median(values) / 1000:.2f} | {max(values) / 1000:.2f} |"
        )
    return "\n".join(lines)


def _shown(value: object) -> str:
    """An option as recorded in the results: paths relative to the repository."""
    if isinstance(value, Path) and value.is_absolute() and value.is_relative_to(REPO):
        return str(value.relative_to(REPO))
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sample = "benchmarks.gateway_overhead.sample_apps"
    parser.add_argument("--asgi-target", default=f"{sample}:create_asgi_app")
    parser.add_argument("--asgi-path", default="/ping")
    parser.add_argument("--wsgi-target", default=f"{sample}:create_flask_app")
    parser.add_argument("--wsgi-path", default="/ping")
    parser.add_argument("--kinds", default="asgi,wsgi", help="which of asgi,wsgi to measure")
    parser.add_argument("--threads", type=int, default=32, help="WSGI pool size, both ways")
    parser.add_argument("--routes", type=int, default=100, help="routes in the gateway table")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput run")
    parser.add_argument("--latency-seconds", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/gateway_overhead")
    options = parser.parse_args()
    os.chdir(REPO)
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "options": {k: _shown(v) for k, v in vars(options).items()},
    }
    for kind in options.kinds.split(","):
        target = getattr(options, f"{kind}_target")
        path = getattr(options, f"{kind}_path")
        print(f"measuring {kind}: {target} {path} ...", flush=True)
        results[kind] = measure_kind(kind, target, path, options)
    results["decision_ns"] = {size: decision_cost_ns(size) for size in (10, 1000)}
    text = report(results)
    print(text)
    options.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (options.out / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    (options.out / f"{stamp}.md").write_text(text + "\n")
    print(f"written to {options.out}/{stamp}.json and .md")


if __name__ == "__main__":
    main()
