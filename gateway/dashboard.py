"""`GET /_gateway/`: the status as a page a person reads in a browser.

One self-contained HTML page (inline CSS, no script, no external asset: it must work on a
machine without internet access and leak nothing to third parties), rendered from the same
report as `GET /_gateway/status`, refreshed by the browser every few seconds.
"""

from __future__ import annotations

import math
import time
from html import escape
from typing import Any

REFRESH_SECONDS = 5
OUTCOMES = ("match", "noise", "diff", "error", "dropped", "skipped")

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1d232a; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
.meta { color: #5b6570; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .55rem; border-bottom: 1px solid #e3e7ea;
         vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 12.5px ui-monospace, monospace; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .7rem; font-size: 12px; }
.ok { background: #e3f4e8; color: #176b34; } .warn { background: #fff1d6; color: #8a5a00; }
.bad { background: #fde4e4; color: #a01c1c; } .muted { color: #8a949e; }
.alert { background: #fde4e4; border: 1px solid #f3b5b5; padding: .6rem .8rem;
         border-radius: .4rem; margin: .6rem 0; }
.small { font-size: 12px; } .line { white-space: nowrap; }
"""


def _cell(text: str, css: str = "") -> str:
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def _percent(part: int, whole: int) -> str:
    return "-" if not whole else f"{100 * part / whole:.1f}%"


def _by_backend(traffic: dict[str, dict[str, Any]], show: str) -> str:
    """One line per backend: `legacy 1,204`."""
    if not traffic:
        return '<span class="muted">-</span>'
    lines = []
    for backend, figures in traffic.items():
        if show == "requests":
            value = f"{figures['requests']:,}"
        elif show == "errors":
            value = _percent(figures["errors"], figures["requests"])
        else:
            value = _ms(figures.get("p95_ms"))
        lines.append(f"{escape(backend)} <b>{value}</b>")
    return "<br>".join(lines)


def _window(window: dict[str, dict[str, Any]] | None) -> str:
    if not window:
        return '<span class="muted">-</span>'
    lines = []
    for backend, figures in window.items():
        lines.append(
            f'<span class="line">{escape(backend)}: {figures["requests"]:,} req, '
            f"{figures['error_percent']:.1f}% 5xx, p95 {_ms(figures['p95_ms'])}</span>"
        )
    return '<span class="small">' + "<br>".join(lines) + "</span>"


def _diffs(counts: dict[str, int] | None, shadow: Any) -> str:
    if not shadow and not counts:
        return '<span class="muted">-</span>'
    counts = counts or {}
    parts = []
    for outcome in OUTCOMES:
        count = counts.get(outcome, 0)
        if count or outcome in ("match", "diff"):
            css = "bad" if outcome == "diff" and count else ""
            label = f"{outcome} {count:,}"
            parts.append(f'<span class="badge {css}">{label}</span>' if css else label)
    return '<span class="small">' + " &middot; ".join(parts) + "</span>"


def _shadow(shadow: Any) -> str:
    if shadow is True:
        return "all GET/HEAD"
    if shadow:
        return f"{shadow:g}% of GET/HEAD"
    return '<span class="muted">-</span>'


def _route_row(route: dict[str, Any], default: str) -> str:
    methods = "WEBSOCKET" if route["websocket"] else ",".join(route["methods"] or ["*"])
    rollback = route.get("rollback")
    if rollback:
        serving = (
            f'<span class="badge bad">rolled back</span> {escape(rollback["fallback"])}'
            f'<br><span class="small muted">from {escape(route["backend"])} '
            f"({escape(rollback['reason'])}), {_when(rollback['at'])}</span>"
        )
    elif route["backend"] == default:
        serving = escape(route["backend"])
    else:
        serving = f'<span class="badge ok">{escape(route["backend"])}</span>'
    canary = "-" if route["canary"] is None else f"{route['canary']:g}% of users"
    traffic = route["traffic"]
    cells = [
        _cell(str(route["index"]), "num"),
        _cell(f"<code>{escape(methods)} {escape(route['path'])}</code>"),
        _cell(serving),
        _cell(canary),
        _cell(_shadow(route["shadow"])),
        _cell(_by_backend(traffic, "requests"), "num"),
        _cell(_by_backend(traffic, "errors"), "num"),
        _cell(_by_backend(traffic, "p95"), "num"),
        _cell(_window(route.get("window"))),
        _cell(_diffs(route.get("diffs"), route["shadow"])),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _alerts(report: dict[str, Any]) -> str:
    parts = []
    for event in report["rollbacks"]["active"].values():
        figures = ", ".join(
            f"{escape(name.replace('_', ' '))} {'-' if value is None else escape(str(value))}"
            for name, value in event["figures"].items()
        )
        parts.append(
            '<div class="alert"><b>Rolled back:</b> '
            f"<code>{escape(event['route'])}</code> from {escape(event['backend'])} to "
            f"{escape(event['fallback'])} ({escape(event['reason'])}) at {_when(event['at'])}"
            f'<br><span class="small">{figures}</span><br><span class="small">Clear it with '
            f"<code>mvgate routes --clear {escape(event['path'])}</code> or edit the route."
            "</span></div>"
        )
    last = report.get("last_reload") or {}
    if last.get("result") == "invalid":
        errors = "<br>".join(escape(line) for line in last.get("errors", []))
        parts.append(
            '<div class="alert"><b>The table on disk is refused</b>; the last good one '
            f'keeps serving.<br><span class="small"><code>{errors}</code></span></div>'
        )
    error = report["shared_state"].get("error")
    if error:
        parts.append(f'<div class="alert"><b>Shared state unavailable:</b> {escape(error)}</div>')
    return "".join(parts)


def _backends(report: dict[str, Any]) -> str:
    rows = []
    for name, backend in report["backends"].items():
        threads = ""
        if "threads" in backend:
            threads = f"{backend['busy_threads']} / {backend['threads']}"
        default = ' <span class="badge">default</span>' if name == report["default"] else ""
        rows.append(
            f"<tr><td>{escape(name)}{default}</td><td>{escape(backend['kind'])}</td>"
            f"<td><code>{escape(backend['target'])}</code></td>"
            f'<td class="num">{backend["in_flight"]}</td><td class="num">{threads}</td></tr>'
        )
    return (
        "<table><tr><th>backend</th><th>kind</th><th>target</th><th>in flight</th>"
        "<th>WSGI threads busy</th></tr>" + "".join(rows) + "</table>"
    )


def _history(report: dict[str, Any]) -> str:
    events = report["rollbacks"]["history"]
    if not events:
        return '<p class="muted">No rollback so far.</p>'
    items = []
    for event in events:
        if event.get("event") == "cleared":
            items.append(
                f"<li>{_when(event['at'])}: <code>{escape(event['route'])}</code> cleared</li>"
            )
        else:
            items.append(
                f"<li>{_when(event['at'])}: <code>{escape(event['route'])}</code> rolled back "
                f"from {escape(event['backend'])} ({escape(event['reason'])}) by "
                f"{escape(event['by'])}</li>"
            )
    return "<ul>" + "".join(items) + "</ul>"


def render_dashboard(report: dict[str, Any]) -> str:
    default = report["default"]
    rows = [_route_row(route, default) for route in report["routes"]]
    unmatched = report["unmatched"]
    rows.append(
        "<tr>"
        + _cell("")
        + _cell('<span class="muted">no route</span>')
        + _cell(escape(default))
        + _cell("-")
        + _cell("-")
        + _cell(_by_backend(unmatched["traffic"], "requests"), "num")
        + _cell(_by_backend(unmatched["traffic"], "errors"), "num")
        + _cell(_by_backend(unmatched["traffic"], "p95"), "num")
        + _cell("-")
        + _cell("-")
        + "</tr>"
    )
    overrides = report.get("overrides") or {}
    pinned = " or ".join(
        f"{kind} <code>{escape(name)}</code>"
        for kind, name in (("header", overrides.get("header")), ("cookie", overrides.get("cookie")))
        if name
    )
    state = report["shared_state"]
    last = report.get("last_reload") or {}
    limit = report["unmatched"].get("rate_limit")
    rate_limit = (
        f"{limit['rate']:g}/s per client ({escape(limit['key'])}), bursts of "
        f"{limit['burst'] or max(1, math.ceil(limit['rate']))}"
        if limit
        else '<span class="muted">off</span>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mvgate: {escape(report["source"])}</title><style>{STYLE}</style></head><body>
<h1>Cutover gateway</h1>
<div class="meta">Table <code>{escape(report["source"])}</code>, generation
{report["generation"]}, loaded {_when(report["loaded_at"])}; last reload:
{escape(str(last.get("result", "-")))}. Default backend <b>{escape(default)}</b>. State:
{escape(state["kind"])}{
        " (shared by every gateway process)" if state["kind"] == "redis" else " (this process only)"
    }. Worker {report["worker_pid"]}. Overrides:
{pinned or '<span class="muted">off</span>'}. Rate limit: {rate_limit}. Refreshes every
{REFRESH_SECONDS} s.</div>
{_alerts(report)}
<h2>Routes</h2>
<table><tr><th>#</th><th>route</th><th>serving</th><th>canary</th><th>shadow</th>
<th>requests</th><th>5xx</th><th>p95</th><th>rollback window</th><th>shadow diffs</th></tr>
{"".join(rows)}</table>
<p class="small muted">Requests, 5xx and p95 count since the gateway started (all workers);
the rollback window is what automatic rollback judges. Diffs in detail:
<a href="diffs">/_gateway/diffs</a> or <code>mvgate diffs</code>.
Raw figures: <a href="status">/_gateway/status</a>, <a href="../metrics">/metrics</a>.</p>
<h2>Backends</h2>{_backends(report)}
<h2>Rollback events</h2>{_history(report)}
</body></html>
"""
