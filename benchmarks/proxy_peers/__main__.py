"""The gateway's `url:` backend and in-process WSGI mount against their usual peers.

    python -m benchmarks.proxy_peers [--seconds 5] [--rounds 3] [--concurrency 1,16,64]

Needs `wrk` and `nginx` (Debian packages of those names; `make bench-proxy-peers` installs
them when missing). Every server stays up for the whole run, and each round measures all
of them back to back, in an order that rotates from round to round; the machine is shared,
so ratios are computed within each round and their medians are reported.

- **Proxies** (at each `--concurrency`): wrk against the tiny upstream itself (nginx
  answering a fixed 15-byte JSON, the reference), against nginx proxying it (one worker,
  keep-alive upstream pool), and against the gateway (`mvgate serve`, one worker, access
  log on, the upstream as its `url:` default backend). For each: requests/s, and the CPU
  time of the proxying process per request (psutil; for nginx, its worker process).
- **WSGI** (at the highest concurrency): the same Flask app
  (`benchmarks.gateway_overhead.sample_apps`, `/ping`) under gunicorn (one gthread worker,
  `--threads` threads) and mounted in the gateway (a2wsgi, the same number of threads).

JSON and a REPORT.md go to `--out` (default `benchmarks/results/<date>-proxy-peers`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import psutil

from benchmarks.local_services import free_port, wait_until_up
from benchmarks.proxy_peers.nginx import proxy_config, upstream_config
from benchmarks.proxy_peers.report import report

REPO = Path(__file__).resolve().parents[2]
FLASK_APP = "benchmarks.gateway_overhead.sample_apps:create_flask_app"
UNITS = {"us": 1.0, "ms": 1000.0, "s": 1_000_000.0}
# Goals of the url: backend (see REPORT.md).
CPU_GOAL_US = 150.0
NGINX_SHARE_GOAL = 0.40


@dataclass
class Server:
    name: str
    url: str
    process: psutil.Process  # whose CPU time is the server's (nginx: its worker)

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system


def require_tools() -> None:
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        sys.exit(
            f"missing: {', '.join(missing)}. Install the Debian packages "
            f"(`apt-get install {' '.join(missing)}`, or `make bench-proxy-peers`)."
        )


def launch(
    args: list[str], log: Path, stack: ExitStack, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    process = subprocess.Popen(
        args, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        handle.close()

    stack.callback(stop)
    return process


def start_nginx(name: str, config: Path, port: int, workdir: Path, stack: ExitStack) -> Server:
    master = launch(
        ["nginx", "-c", str(config), "-p", str(workdir)], workdir / f"{name}.log", stack
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/", master)
    [worker] = psutil.Process(master.pid).children()
    return Server(name, url, worker)


def start_gateway(name: str, table: str, workdir: Path, stack: ExitStack) -> Server:
    path = workdir / f"{name}.yaml"
    path.write_text(table)
    port = free_port()
    args = [sys.executable, "-m", "gateway.cli", "serve", "--routes", str(path)]
    args += ["--host", "127.0.0.1", "--port", str(port), "--no-watch"]
    process = launch(args, workdir / f"{name}.log", stack)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/ping", process)
    return Server(name, url, psutil.Process(process.pid))


def start_gunicorn(threads: int, workdir: Path, stack: ExitStack) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", f"{FLASK_APP}()"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread"]
    args += ["--threads", str(threads), "--keep-alive", "75", "--log-level", "warning"]
    master = launch(args, workdir / "gunicorn.log", stack)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/ping", master)
    [worker] = psutil.Process(master.pid).children()
    return Server("gunicorn", url, worker)


def wrk(url: str, concurrency: int, seconds: int) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", url]
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = sum(
        int(n)
        for n in re.findall(
            r"(?:Non-2xx or 3xx responses|timeout|read|write|connect) (\d+)", output
        )
    )
    latency = {
        share: float(value) * UNITS[unit]
        for share, value, unit in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)\b", output)
    }
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "errors": errors,
        "p50_us": latency.get("50", 0.0),
        "p99_us": latency.get("99", 0.0),
    }


def measure(server: Server, concurrency: int, seconds: int) -> dict[str, float]:
    before = server.cpu_seconds()
    figures = wrk(server.url + "/ping", concurrency, seconds)
    figures["cpu_us_per_request"] = (server.cpu_seconds() - before) / figures["requests"] * 1e6
    return figures


def rounds_of(
    servers: list[Server], concurrency: int, options: argparse.Namespace
) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {server.name: [] for server in servers}
    for server in servers:
        wrk(server.url + "/ping", concurrency, 1)  # warm up: connections, pools, caches
    for number in range(options.rounds):
        shift = number % len(servers)
        for server in servers[shift:] + servers[:shift]:
            results[server.name].append(measure(server, concurrency, options.seconds))
    return results


def paired(
    rounds: dict[str, list[dict[str, float]]],
    figure: Callable[[dict[str, dict[str, float]]], float],
) -> float:
    """The median over rounds of a figure computed within each round."""
    names = list(rounds)
    per_round = [
        figure({name: rounds[name][index] for name in names})
        for index in range(len(rounds[names[0]]))
    ]
    return statistics.median(per_round)


def medians(rounds: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in rounds.items()
    }


def gateway_table(backend: str) -> str:
    return f"version: 1\ndefault: app\nbackends:\n  app: {backend}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--threads", type=int, default=32, help="WSGI threads, both ways")
    parser.add_argument("--out", type=Path, default=None)
    options = parser.parse_args()
    require_tools()
    levels = [int(level) for level in options.concurrency.split(",")]
    out = options.out or REPO / "benchmarks/results" / f"{time.strftime('%Y-%m-%d')}-proxy-peers"
    workdir = Path(tempfile.mkdtemp(prefix="proxy-peers-"))
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
        "options": {key: str(value) for key, value in vars(options).items() if key != "out"},
        "versions": {name: version(name) for name in ("aiohttp", "uvicorn", "a2wsgi", "gunicorn")},
        "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
        "proxies": {},
    }
    with ExitStack() as stack:
        upstream_port, proxy_port = free_port(), free_port()
        upstream = start_nginx(
            "upstream", upstream_config(workdir, upstream_port), upstream_port, workdir, stack
        )
        nginx = start_nginx(
            "nginx", proxy_config(workdir, proxy_port, upstream_port), proxy_port, workdir, stack
        )
        gateway = start_gateway(
            "gateway", gateway_table(f'{{url: "{upstream.url}"}}'), workdir, stack
        )
        for level in levels:
            print(f"proxies at {level} concurrent ...", flush=True)
            rounds = rounds_of([upstream, nginx, gateway], level, options)
            results["proxies"][str(level)] = {  # type: ignore[index]
                "rounds": rounds,
                "median": medians(rounds),
                "gateway_vs_nginx_throughput": paired(
                    rounds, lambda r: r["gateway"]["rps"] / r["nginx"]["rps"]
                ),
                "gateway_vs_upstream_throughput": paired(
                    rounds, lambda r: r["gateway"]["rps"] / r["upstream"]["rps"]
                ),
                "nginx_vs_upstream_throughput": paired(
                    rounds, lambda r: r["nginx"]["rps"] / r["upstream"]["rps"]
                ),
                "gateway_cpu_us_per_request": paired(
                    rounds, lambda r: r["gateway"]["cpu_us_per_request"]
                ),
                "nginx_cpu_us_per_request": paired(
                    rounds, lambda r: r["nginx"]["cpu_us_per_request"]
                ),
            }
        level = max(levels)
        print(f"WSGI mount vs gunicorn at {level} concurrent ...", flush=True)
        gunicorn = start_gunicorn(options.threads, workdir, stack)
        mounted = start_gateway(
            "wsgi-mount",
            gateway_table(f'{{wsgi: "{FLASK_APP}", threads: {options.threads}}}'),
            workdir,
            stack,
        )
        rounds = rounds_of([gunicorn, mounted], level, options)
        results["wsgi"] = {
            "concurrency": level,
            "rounds": rounds,
            "median": medians(rounds),
            "mount_vs_gunicorn_throughput": paired(
                rounds, lambda r: r["wsgi-mount"]["rps"] / r["gunicorn"]["rps"]
            ),
        }
    results["goals"] = {
        "cpu_us_per_request": CPU_GOAL_US,
        "share_of_nginx_throughput_c64": NGINX_SHARE_GOAL,
    }
    # The keys of the comparison's summary.json ("gateway" part) this run provides.
    proxies = results["proxies"]
    results["summary_gateway"] = {
        "url_backend_cpu_us_per_request": {
            f"c{level}": round(figures["gateway_cpu_us_per_request"])  # type: ignore[index]
            for level, figures in proxies.items()  # type: ignore[union-attr]
        },
        "url_backend_vs_nginx_throughput_c64": round(
            proxies[str(max(levels))]["gateway_vs_nginx_throughput"],
            3,  # type: ignore[index]
        ),
        "wsgi_mount_vs_gunicorn_throughput_c64": round(
            results["wsgi"]["mount_vs_gunicorn_throughput"],
            3,  # type: ignore[index]
        ),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (out / "REPORT.md").write_text(text)
    print(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
