"""REPORT.md of a proxy_peers run: the figures against the goals, as tables."""

from __future__ import annotations

from typing import Any


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def report(results: dict[str, Any]) -> str:
    goals = results["goals"]
    cpu_goal, share_goal = goals["cpu_us_per_request"], goals["share_of_nginx_throughput_c64"]
    options = results["options"]
    lines = [
        f"# url: backend and WSGI mount against nginx and gunicorn ({results['date']})",
        "",
        f"`python -m benchmarks.proxy_peers` ({options['rounds']} rounds of "
        f"{options['seconds']} s per server and concurrency, order rotating; medians of "
        f"within-round ratios). Machine: {results['machine']['cpus']} cores, load average "
        f"at start {results['machine']['load_average_at_start'][0]:.1f} (shared). "
        f"{results['nginx']}; aiohttp {results['versions']['aiohttp']}, uvicorn "
        f"{results['versions']['uvicorn']}, a2wsgi {results['versions']['a2wsgi']}, gunicorn "
        f"{results['versions']['gunicorn']}.",
        "",
        "## The url: backend (gateway, 1 worker, access log on) vs nginx (1 worker, keep-alive"
        " upstream), proxying the same tiny upstream",
        "",
        "| concurrent | upstream alone req/s | nginx req/s | gateway req/s | gateway / nginx "
        "| nginx CPU us/req | gateway CPU us/req | CPU goal <= 150 us |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for level, figures in results["proxies"].items():
        median = figures["median"]
        cpu = figures["gateway_cpu_us_per_request"]
        lines.append(
            f"| {level} | {median['upstream']['rps']:,.0f} | {median['nginx']['rps']:,.0f} "
            f"| {median['gateway']['rps']:,.0f} | {figures['gateway_vs_nginx_throughput']:.1%} "
            f"| {figures['nginx_cpu_us_per_request']:.0f} | {cpu:.0f} "
            f"| {verdict(cpu <= cpu_goal)} ({cpu / cpu_goal:.2f}x the goal) |"
        )
    top = str(max(int(level) for level in results["proxies"]))
    share = results["proxies"][top]["gateway_vs_nginx_throughput"]
    lines += [
        "",
        f"Throughput at {top} concurrent: gateway {share:.1%} of nginx's; goal >= "
        f"{share_goal:.0%}: {verdict(share >= share_goal)} ({share / share_goal:.2f}x the goal).",
        "",
    ]
    wsgi = results.get("wsgi")
    if wsgi:
        median = wsgi["median"]
        lines += [
            f"## In-process WSGI mount (a2wsgi, {options['threads']} threads) vs gunicorn "
            f"(1 gthread worker, {options['threads']} threads), same Flask app, "
            f"{wsgi['concurrency']} concurrent",
            "",
            "| server | req/s | CPU us/req | p50 us | p99 us |",
            "|---|---|---|---|---|",
        ]
        for name in ("gunicorn", "wsgi-mount"):
            row = median[name]
            lines.append(
                f"| {name} | {row['rps']:,.0f} | {row['cpu_us_per_request']:.0f} "
                f"| {row['p50_us']:.0f} | {row['p99_us']:.0f} |"
            )
        lines += [
            "",
            f"Mount / gunicorn throughput: {wsgi['mount_vs_gunicorn_throughput']:.1%}.",
            "",
        ]
    lines += [
        "Raw rounds (requests/s, CPU per request, wrk's p50/p99, errors) are in `results.json`.",
        "",
    ]
    return "\n".join(lines)
