"""Shadow traffic's cost to clients: the same load through a gateway with shadowing off and
one with shadowing on, in one run.

    python -m benchmarks.cutover_shadow [--rate 200] [--rounds 5] [--seconds 10]

For each direction of the copies (`--primaries legacy,new`):

- `legacy`: the route is still served by the legacy WSGI app (`canary: 0`) and every GET is
  copied to the new ASGI app: the usual shadow phase of a cutover;
- `new`: the route is served by the new app and every GET is copied to legacy (on legacy's
  WSGI thread pool).

two gateway processes (`mvgate serve`, one worker, file watch and access log off) stay up
for the whole direction, with the same backends in-process and the same table except
`shadow: true`; a separate process sends an open-loop load (`--rate` requests/s on a fixed
schedule) to each in turn, alternating their order round by round. Client latency counts
from each request's due time. p50s are compared within each round and the median of the
per-round ratios is reported, with the gateway's CPU per request and the shadow outcomes
(so a run where copies were dropped instead of made would show).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from benchmarks.gateway_overhead.__main__ import REPO, Server, start

SAMPLE = "benchmarks.gateway_overhead.sample_apps"
COOKIE = "mvgate_uid=" + "0123456789abcdef" * 2  # one user: no cookie minted per request


def table(primary: str, shadow: bool, options: argparse.Namespace) -> str:
    route = f"{{path: '{options.path}', methods: [GET], backend: new"
    route += ", canary: 0" if primary == "legacy" else ""
    route += ", shadow: true}" if shadow else "}"
    return (
        "version: 1\ndefault: legacy\nbackends:\n"
        f"  legacy: {{wsgi: '{options.legacy_target}', threads: {options.threads}}}\n"
        f"  new: {{asgi: '{options.new_target}'}}\n"
        f"shadow: {{max_in_flight: {options.max_in_flight}}}\n"
        f"routes:\n  - {route}\n"
    )


def load(url: str, rate: float, seconds: float) -> dict[str, float]:
    args = [sys.executable, "-m", "benchmarks.cutover_shadow.load", url, "--rate", str(rate)]
    args += ["--seconds", str(seconds), "--cookie", COOKIE]
    finished = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(finished.stdout)


def shadow_outcomes(server: Server, label: str) -> dict[str, int]:
    answer = httpx.get(server.url + "/_gateway/diffs", timeout=10).json()
    return answer["routes"].get(label, {}).get("counts", {})


def measure(primary: str, options: argparse.Namespace) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix=f"cutover-shadow-{primary}-"))
    url_path = options.path
    rounds: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    with ExitStack() as stack:
        servers = []
        for name, shadow in (("off", False), ("on", True)):
            path = workdir / f"{name}.yaml"
            path.write_text(table(primary, shadow, options))
            args = [sys.executable, "-m", "gateway.cli", "serve", "--port", "0", "--no-watch"]
            args += ["--no-access-log", "--routes", str(path)]
            servers.append(start(name, args, workdir / f"{name}.log", stack))
        for server in servers:
            load(server.url + url_path, options.rate, 2.0)  # warm up
        for number in range(options.rounds):
            order = servers if number % 2 == 0 else list(reversed(servers))
            for server in order:
                cpu_before = server.cpu_seconds
                result = load(server.url + url_path, options.rate, options.seconds)
                result["cpu_us_per_request"] = (
                    (server.cpu_seconds - cpu_before) / max(1, result["requests"]) * 1e6
                )
                rounds[server.name].append(result)
        outcomes = shadow_outcomes(servers[1], f"GET {url_path}")
    pairs = list(zip(rounds["off"], rounds["on"], strict=True))
    medians = {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in rounds.items()
    }
    return {
        "primary": primary,
        "copies_to": "new" if primary == "legacy" else "legacy",
        "rounds": rounds,
        "median": medians,
        "p50_ratio": statistics.median(on["p50_us"] / off["p50_us"] for off, on in pairs),
        "p50_ratio_per_round": [on["p50_us"] / off["p50_us"] for off, on in pairs],
        "p50_added_us": statistics.median(on["p50_us"] - off["p50_us"] for off, on in pairs),
        "p99_ratio": statistics.median(on["p99_us"] / off["p99_us"] for off, on in pairs),
        "added_cpu_us_per_request": statistics.median(
            on["cpu_us_per_request"] - off["cpu_us_per_request"] for off, on in pairs
        ),
        "shadow_outcomes": outcomes,
    }


def report(results: dict[str, object], options: argparse.Namespace) -> str:
    lines = [
        f"Fixed load: {options.rate:g} requests/s, {options.rounds} rounds of "
        f"{options.seconds:g} s per gateway, `{options.path}`.",
        "",
        "| served by | copies to | p50 off (us) | p50 on (us) | p50 on/off | p50 added (us) "
        "| p99 off | p99 on | p99 on/off | CPU us/req off | on | copies compared | dropped |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for primary in options.primaries.split(","):
        result = results[primary]
        assert isinstance(result, dict)
        off, on = result["median"]["off"], result["median"]["on"]
        outcomes = result["shadow_outcomes"]
        compared = sum(outcomes.get(k, 0) for k in ("match", "noise", "diff"))
        lines.append(
            f"| {primary} | {result['copies_to']} | {off['p50_us']:.0f} | {on['p50_us']:.0f} "
            f"| {result['p50_ratio']:.3f} | {result['p50_added_us']:+.0f} "
            f"| {off['p99_us']:.0f} | {on['p99_us']:.0f} "
            f"| {result['p99_ratio']:.3f} | {off['cpu_us_per_request']:.0f} "
            f"| {on['cpu_us_per_request']:.0f} | {compared:,} | {outcomes.get('dropped', 0):,} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--legacy-target", default=f"{SAMPLE}:create_flask_app")
    parser.add_argument("--new-target", default=f"{SAMPLE}:create_asgi_app")
    parser.add_argument("--path", default="/videos")
    parser.add_argument("--primaries", default="legacy,new", help="which directions to run")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0, help="per gateway and round")
    parser.add_argument("--threads", type=int, default=32, help="legacy's WSGI pool")
    parser.add_argument("--max-in-flight", type=int, default=8, help="shadow.max_in_flight")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/cutover_shadow")
    options = parser.parse_args()
    os.chdir(REPO)
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "options": {k: str(v) for k, v in vars(options).items() if k != "out"},
    }
    for primary in options.primaries.split(","):
        print(f"measuring: served by {primary} ...", flush=True)
        results[primary] = measure(primary, options)
    results["load_average_after"] = os.getloadavg()
    text = report(results, options)
    print(text)
    options.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (options.out / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    (options.out / f"{stamp}.md").write_text(text + "\n")
    print(f"written to {options.out}/{stamp}.json and .md")


if __name__ == "__main__":
    main()
