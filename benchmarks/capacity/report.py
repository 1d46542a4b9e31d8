"""REPORT.md of one routing, and the comparison report that sets the routings against the
owners' targets. Every ratio is computed from figures of the same run."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.capacity.config import SLO_FAILURE_RATIO, SLO_P95_MS, RunConfig
from benchmarks.capacity.results import RoutingResult
from benchmarks.capacity.routings import ROUTINGS

BEFORE = "all-legacy"
AFTER = ("all-new", "new-only")
TARGETS = {
    "capacity": 25.0,  # new >= 25x legacy
    "p95": 0.5,  # new <= 0.5x legacy at the load legacy sustains
    "ttfb": 0.25,  # new <= 0.25x legacy
    "rss": 0.7,  # new <= 0.7x legacy at equal load
    "overhead": 0.9,  # through-gateway throughput >= 90% of direct
}


def _fmt(value: Any, digits: int = 0, suffix: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{suffix}"
    return f"{value}{suffix}"


def _ratio(new: float | None, old: float | None) -> float | None:
    if new is None or old is None or old == 0:
        return None
    return new / old


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def upstream_line(config: RunConfig) -> str:
    if config.mix != "seed":
        return f"Simulated IMVDb/MusicBrainz answer in {config.latency_ms:g} ms."
    low, high = config.seed_delay_ms
    return (
        f"**Mix `seed`**: browser users plus integration clients (5 per 3 users), ~20% of "
        f"requests IMVDb-backed; simulated IMVDb/MusicBrainz answer in {low / 1000:g}-"
        f"{high / 1000:g} s (uniform, fixed per request subject). SLO: p95 <= 500 ms of the "
        "requests calling no upstream and p95 <= 500 ms of server-added time (response "
        "minus the known upstream delay) of the others; failures <= 0.1% over all."
    )


def setup_lines(config: RunConfig, machine: dict[str, Any], services: dict[str, Any]) -> list[str]:
    return [
        f"- Machine: {machine['cpus']} cores, {machine['memory_gib']:.0f} GiB RAM, "
        f"{machine['os']}, Python {machine['python']}. Locust runs on the same machine.",
        f"- Database: {services['database']}; Redis: {services['redis']}; job workers: "
        f"{services['job_workers']}.",
        f"- Server: {config.gateway_workers} gateway worker(s) (`mvgate serve`, uvicorn with "
        f"uvloop and httptools, access log off); legacy on a2wsgi's pool of 32 threads as the "
        f"shipped table says; gunicorn (when measured): {config.gateway_workers} worker(s) x "
        f"{config.legacy_threads} threads. " + upstream_line(config),
        f"- Load: Locust `FastHttpUser` ({config.locust_processes} process(es)), "
        "`benchmarks/locustfiles/mvidarr.py` (weights in its docstring), think time 1-5 s. "
        f"Warm-up {config.warmup_seconds:g} s at {config.warmup_users} users, then steps of "
        f"{config.ramp_seconds:g} s ramp + {config.settle_seconds:g} s settle + "
        f"{config.measure_seconds:g} s measured; {config.repetitions} repetition(s), medians "
        "reported.",
        f"- SLO per step: p95 <= {SLO_P95_MS:g} ms and failures <= {SLO_FAILURE_RATIO:.1%}. "
        "Capacity: the most users of a step within the SLO, every earlier step within it too.",
    ]


def step_table(result: RoutingResult) -> list[str]:
    header = [
        "users", "reps", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures", "server RSS MiB",
        "server CPU %", "loop lag p99 ms", "MariaDB CPU %", "Locust CPU %", "machine CPU %",
        "within SLO",
    ]  # fmt: skip
    rows = []
    for row in result.median_steps():
        rows.append(
            [
                str(row["users"]),
                str(row["repetitions"]),
                _fmt(row.get("rps"), 1),
                _fmt(row.get("p50_ms")),
                _fmt(row.get("p95_ms")),
                _fmt(row.get("p99_ms")),
                _fmt(100 * row.get("failure_ratio", 0.0), 2, "%"),
                _fmt(row.get("server_rss_mib")),
                _fmt(row.get("server_cpu_percent")),
                _fmt(row.get("loop_lag_p99_ms"), 1),
                _fmt(row.get("mariadb_cpu_percent")),
                _fmt(row.get("locust_cpu_percent")),
                _fmt(row.get("machine_cpu_percent")),
                "yes" if row["slo_ok_all"] else "no",
            ]
        )
    return _table(header, rows)


def profile_lines(result: RoutingResult) -> list[str]:
    profiles = [rep.profile for rep in result.repetitions if rep.profile]
    if not profiles:
        return []
    profile = profiles[-1]
    if "error" in profile:
        return ["", "## Profile", "", f"Not taken: {profile['error']}"]
    lines = [
        "",
        "## Profile",
        "",
        f"py-spy, {profile['seconds']:g} s at {profile['users']} users, samples of the thread "
        f"holding the GIL ({profile['samples']} samples). Self time by package of the "
        "innermost frame:",
        "",
    ]
    shares = list(profile["self_by_package"].items())[:12]
    lines += _table(["package", "share"], [[name, f"{share:.1%}"] for name, share in shares])
    lines += ["", "Top functions (self time):", ""]
    lines += _table(
        ["function", "share"],
        [[f"`{f['function']}`", f"{f['share']:.1%}"] for f in profile["self_by_function"][:15]],
    )
    lines += ["", "Collapsed stacks: `profile/profile.txt` (flamegraph.pl or speedscope)."]
    return lines


def routing_report(
    result: RoutingResult,
    config: RunConfig,
    machine: dict[str, Any],
    services: dict[str, Any],
) -> str:
    routing = ROUTINGS[result.routing]
    capacity = _fmt(result.capacity)
    if result.never_broke:
        capacity += " (never broke: a lower bound)"
    loads = ", ".join(f"{rep.load_average[0]:.2f}" for rep in result.repetitions)
    lines = [
        f"# {result.routing}: capacity benchmark, {config.label} ({config.mode} run)",
        "",
        f"{routing.summary[0].upper()}{routing.summary[1:]}.",
        "",
        *setup_lines(config, machine, services),
        f"- 1-minute load average at the start of each repetition's step load: {loads}.",
        "",
        "## Capacity",
        "",
        f"**{capacity} users** within the SLO (median of repetitions: "
        f"{', '.join(str(c) for c in result.capacities)}).",
        "",
        "## Steps (medians over repetitions)",
        "",
        *step_table(result),
        "",
        "![latency](latency.png)",
        "![throughput](throughput.png)",
        "![memory](memory.png)",
        "",
        "## Stream start without load (median time to first byte)",
        "",
    ]
    unloaded = result.ttfb_unloaded()
    lines += [f"- {kind}: {value:.1f} ms" for kind, value in unloaded.items()] or ["- n/a"]
    lines += profile_lines(result)
    lines += [
        "",
        "## Files",
        "",
        "`steps.csv` (every step of every repetition), `steps_median.csv`, `requests.csv` "
        "(per request name and step), `errors.csv`, `processes.csv` (RSS and CPU of every "
        "process, once a second), `ttfb_unloaded.csv`, `run.json`.",
    ]
    return "\n".join(lines) + "\n"


def _verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("**met**" if met else "**missed**")


def comparison_report(
    results: dict[str, RoutingResult],
    config: RunConfig,
    machine: dict[str, Any],
    services: dict[str, Any],
    overhead: list[dict[str, Any]],
    notes: str,
) -> str:
    before = results.get(BEFORE)
    lines = [
        f"# Flask vs FastAPI through the same gateway: {config.label} ({config.mode} run, "
        f"mix `{config.mix}`)",
        "",
        *setup_lines(config, machine, services),
        "",
        "## Capacity (users within the SLO)",
        "",
    ]
    rows = []
    for name, result in results.items():
        rows.append(
            [
                name,
                _fmt(result.capacity) + ("+" if result.never_broke else ""),
                ", ".join(str(c) for c in result.capacities),
                _fmt(_ratio(result.capacity, before.capacity) if before else None, 2, "x"),
                ROUTINGS[name].summary,
            ]
        )
    lines += _table(["routing", "capacity", "repetitions", f"vs {BEFORE}", "what"], rows)
    lines += ["", "`+`: the SLO never broke up to the last step, so the capacity is a lower bound."]
    if before is None:
        return "\n".join([*lines, "", notes]) + "\n"

    load = before.capacity
    lines += ["", f"## At equal load: {load} users (what {BEFORE} sustains)", ""]
    header = ["routing", "req/s", "p50 ms", "p95 ms", "server RSS MiB", "mp4 first byte ms"]
    header += ["mkv first byte ms", "loop lag p99 ms", "server CPU %"]
    rows = []
    for name, result in results.items():
        row = result.at(load) or {}
        rows.append(
            [
                name,
                _fmt(row.get("rps"), 1),
                _fmt(row.get("p50_ms")),
                _fmt(row.get("p95_ms")),
                _fmt(row.get("server_rss_mib")),
                _fmt(row.get("ttfb_mp4_p50_ms")),
                _fmt(row.get("ttfb_mkv_p50_ms")),
                _fmt(row.get("loop_lag_p99_ms"), 1),
                _fmt(row.get("server_cpu_percent")),
            ]
        )
    lines += _table(header, rows)
    lines += ["", "Stream start without load (median time to first byte, ms):", ""]
    lines += _table(
        ["routing", "mp4 (Range)", "mkv (live remux)"],
        [
            [name, _fmt(r.ttfb_unloaded().get("mp4"), 1), _fmt(r.ttfb_unloaded().get("mkv"), 1)]
            for name, r in results.items()
        ],
    )
    lines += ["", "## Against the targets", ""]
    lines += target_table(results, load, overhead)
    if overhead:
        lines += ["", "## Gateway overhead on real endpoints", ""]
        header = ["endpoint", "app", "direct req/s", "gateway req/s", "throughput ratio"]
        header += ["CPU capacity ratio", "added CPU us/req", "added latency us"]
        lines += _table(
            header,
            [
                [
                    f"`{r['endpoint']}`",
                    r["app"],
                    _fmt(r["direct_rps"]),
                    _fmt(r["gateway_rps"]),
                    _fmt(100 * r["throughput_ratio"], 1, "%"),
                    _fmt(100 * r["cpu_capacity_ratio"], 1, "%"),
                    _fmt(r["added_cpu_us"]),
                    _fmt(r["added_latency_us"]),
                ]
                for r in overhead
            ],
        )
        lines += [
            "",
            "`benchmarks.gateway_overhead` with the real apps on the seeded library: direct "
            "(uvicorn; Flask behind a2wsgi with the same 32 threads) vs `mvgate serve`, "
            "access log on (the gateway's default), medians of paired rounds.",
        ]
    lines += [
        "",
        "## Charts",
        "",
        "![p95](latency_p95.png)",
        "![p50](latency_p50.png)",
        "![throughput](throughput.png)",
        "![memory](memory.png)",
        "![loop lag](loop_lag.png)",
    ]
    if notes:
        lines += ["", notes.strip()]
    lines += [
        "",
        "Per-routing reports: "
        + ", ".join(f"[{name}](../{config.prefix}-{name}/REPORT.md)" for name in results),
    ]
    return "\n".join(lines) + "\n"


def target_table(
    results: dict[str, RoutingResult], load: int, overhead: list[dict[str, Any]]
) -> list[str]:
    before = results[BEFORE]
    legacy_row = before.at(load) or {}
    rows = []
    for name in AFTER:
        result = results.get(name)
        if result is None:
            continue
        row = result.at(load) or {}
        capacity = _ratio(result.capacity, before.capacity)
        rows.append(
            [
                f"capacity ({name})",
                f">= {TARGETS['capacity']:g}x",
                _fmt(capacity, 2, "x") + (" (lower bound)" if result.never_broke else ""),
                _verdict(None if capacity is None else capacity >= TARGETS["capacity"]),
            ]
        )
        for key, label in (("p95_ms", "p95"), ("p50_ms", "p50 (plan: 2x faster)")):
            ratio = _ratio(row.get(key), legacy_row.get(key))
            limit = TARGETS["p95"]
            rows.append(
                [
                    f"{label} at {load} users ({name})",
                    f"<= {limit:g}x",
                    _fmt(ratio, 2, "x"),
                    _verdict(None if ratio is None else ratio <= limit),
                ]
            )
        for kind in ("mp4", "mkv"):
            loaded = _ratio(row.get(f"ttfb_{kind}_p50_ms"), legacy_row.get(f"ttfb_{kind}_p50_ms"))
            unloaded = _ratio(result.ttfb_unloaded().get(kind), before.ttfb_unloaded().get(kind))
            rows.append(
                [
                    f"{kind} stream first byte ({name}), at {load} users / unloaded",
                    f"<= {TARGETS['ttfb']:g}x",
                    f"{_fmt(loaded, 2, 'x')} / {_fmt(unloaded, 2, 'x')}",
                    _verdict(None if loaded is None else loaded <= TARGETS["ttfb"]),
                ]
            )
        rss = _ratio(row.get("server_rss_mib"), legacy_row.get("server_rss_mib"))
        rows.append(
            [
                f"server RSS at {load} users ({name})",
                f"<= {TARGETS['rss']:g}x",
                _fmt(rss, 2, "x"),
                _verdict(None if rss is None else rss <= TARGETS["rss"]),
            ]
        )
        failed, total = result.failures_up_to(result.capacity)
        rows.append(
            [
                f"failed requests up to its capacity ({name})",
                "0",
                f"{failed} of {total:,}",
                _verdict(failed == 0),
            ]
        )
    for figure in overhead:
        ratio = figure["throughput_ratio"]
        rows.append(
            [
                f"gateway throughput / direct, {figure['app']} `{figure['endpoint']}`",
                f">= {TARGETS['overhead']:.0%}",
                f"{ratio:.1%} (CPU capacity {figure['cpu_capacity_ratio']:.1%})",
                _verdict(ratio >= TARGETS["overhead"]),
            ]
        )
    return _table(["target", "goal", "measured", "verdict"], rows)


def median_load(results: dict[str, RoutingResult]) -> float:
    loads = [rep.load_average[0] for r in results.values() for rep in r.repetitions]
    return statistics.median(loads) if loads else 0.0
