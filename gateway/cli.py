"""`mvgate`: the operator's command line.

The gateway's own commands live here. Commands that belong to the application being
migrated (database migrations, seeding, job workers) are plugged in through the
`mvgate.commands` entry-point group, so the gateway stays application-agnostic.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from gateway.checking import backend_import_problems, check_file, coverage
from gateway.editing import flip_file
from gateway.validation import TableError

app = typer.Typer(help="MVidarr cutover gateway.", no_args_is_help=True)

PLUGIN_GROUP = "mvgate.commands"
DEFAULT_ROUTES = Path("routing_table.yaml")

RoutesOption = Annotated[
    Path,
    typer.Option("--routes", "-r", envvar="MVGATE_ROUTES", help="The routing table file."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _load_plugins(cli: typer.Typer) -> None:
    """Each entry point is a Typer app (added as a command group) or a plain function."""
    for entry_point in entry_points(group=PLUGIN_GROUP):
        command = entry_point.load()
        if isinstance(command, typer.Typer):
            cli.add_typer(command, name=entry_point.name)
        else:
            cli.command(name=entry_point.name)(command)


def _importable_working_directory() -> None:
    """Backends are import strings relative to the working directory, as with uvicorn."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


@app.command()
def serve(
    routes: RoutesOption = DEFAULT_ROUTES,
    host: Annotated[
        str, typer.Option(envvar="MVGATE_HOST", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(envvar="MVGATE_PORT", help="Port to listen on; 0 picks a free one.")
    ] = 8000,
    workers: Annotated[
        int, typer.Option(envvar="MVGATE_WORKERS", min=1, help="Worker processes.")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
    access_log: Annotated[bool, typer.Option(help="One JSON line per request.")] = True,
    watch: Annotated[bool, typer.Option(help="Reload when the table file changes.")] = True,
    proxy_headers: Annotated[
        bool,
        typer.Option(help="Trust X-Forwarded-* from a proxy in front (uvicorn's option)."),
    ] = False,
) -> None:
    """Serve the gateway (uvicorn) with the routing table."""
    from gateway.serve import serve as run  # uvicorn is only needed here

    # Refuse a broken table before binding anything (workers check imports themselves).
    report = check_file(routes, imports=False)
    if report.problems:
        for message in report.messages:
            errors.print(message, markup=False, highlight=False)
        errors.print("not serving: fix the routing table first")
        raise typer.Exit(1)
    assert report.table is not None
    _importable_working_directory()
    missing = backend_import_problems(report.table)
    if missing:
        for message in missing:
            errors.print(f"{routes}: {message}", markup=False, highlight=False)
        errors.print("not serving: a backend cannot be imported")
        raise typer.Exit(1)
    run(routes, host, port, workers, log_level, access_log, watch, proxy_headers)


@app.command()
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="Table to check; default: $MVGATE_ROUTES or ./routing_table.yaml."),
    ] = None,
    imports: Annotated[
        bool,
        typer.Option(help="Import in-process backends and check their endpoints."),
    ] = True,
) -> None:
    """Validate a routing table; print every problem found, exit 1 if there is any."""
    _importable_working_directory()
    path = file or Path(os.environ.get("MVGATE_ROUTES", DEFAULT_ROUTES))
    report = check_file(path, imports=imports)
    if report.problems:
        for message in report.messages:
            errors.print(message, markup=False, highlight=False)
        errors.print(f"{len(report.problems)} problem(s): the table would be refused")
        raise typer.Exit(1)
    assert report.table is not None
    table = report.table
    console.print(
        f"{path}: ok: {len(table.routes)} routes, backends {', '.join(table.backends)}, "
        f"default {table.default}",
        markup=False,
        highlight=False,
    )


UrlOption = Annotated[
    str, typer.Option(envvar="MVGATE_URL", help="A running gateway (token: $MVGATE_ADMIN_TOKEN).")
]
DEFAULT_URL = "http://127.0.0.1:8000"


def _admin_headers() -> dict[str, str]:
    token = os.environ.get("MVGATE_ADMIN_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def _live_status(url: str, token: str | None) -> dict[str, Any] | None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(f"{url.rstrip('/')}/_gateway/status", headers=headers, timeout=5)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def _admin_call(
    method: str, url: str, endpoint: str, params: dict[str, str | None]
) -> dict[str, Any]:
    """An admin endpoint's JSON answer, or exit 1 saying why there is none."""
    try:
        response = httpx.request(
            method,
            f"{url.rstrip('/')}{endpoint}",
            params={k: v for k, v in params.items() if v is not None},
            headers=_admin_headers(),
            timeout=10,
        )
    except httpx.HTTPError as error:
        errors.print(f"no gateway answering at {url}: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    try:
        body = response.json()
    except ValueError:
        body = {"error": response.text[:200]}
    if response.status_code != 200:
        message = body.get("error", response.reason_phrase) if isinstance(body, dict) else body
        errors.print(f"{url}: {response.status_code}: {message}", markup=False, highlight=False)
        raise typer.Exit(1)
    return body  # type: ignore[no-any-return]


def _clear_rollbacks(url: str, path: str | None) -> None:
    answer = _admin_call("POST", url, "/_gateway/rollbacks/clear", {"path": path})
    cleared = answer["cleared"]
    if not cleared:
        console.print(f"no active rollback{f' on {path}' if path else ''}: nothing to clear")
    for event in cleared:
        console.print(
            f"cleared: {event['route']} goes back to {event['backend']} "
            f"(rolled back for {event['reason']})",
            markup=False,
            highlight=False,
        )
    if answer.get("shared_state") == "process":
        console.print(
            f"(state is per process: this cleared worker {answer['worker_pid']} only; with "
            "several workers set REDIS_URL, or edit the route to clear it everywhere)"
        )


@app.command()
def routes(
    path: Annotated[
        str | None, typer.Argument(help="With --clear: the route path to clear (default: all).")
    ] = None,
    routes: RoutesOption = DEFAULT_ROUTES,
    url: UrlOption = DEFAULT_URL,
    clear: Annotated[
        bool,
        typer.Option("--clear", help="End automatic rollbacks (of PATH, else of every route)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The routing table: path, methods, backend, canary, shadow, and live traffic, errors,
    p95 and rollbacks when a gateway runs. `--clear [PATH]` ends automatic rollbacks."""
    if clear:
        _clear_rollbacks(url, path)
        return
    if path is not None:
        errors.print("PATH is only taken with --clear")
        raise typer.Exit(2)
    report = check_file(routes, imports=False)
    if report.table is None:
        for message in report.messages:
            errors.print(message, markup=False, highlight=False)
        raise typer.Exit(1)
    status = _live_status(url, os.environ.get("MVGATE_ADMIN_TOKEN"))
    live = {entry["label"]: entry["traffic"] for entry in status["routes"]} if status else {}
    rolled = {e["label"]: e["rollback"] for e in status["routes"]} if status else {}
    rows = []
    for index, route in enumerate(report.table.routes):
        traffic = live.get(route.describe(), {})
        rollback = rolled.get(route.describe())
        rows.append(
            {
                "index": index,
                "methods": "WEBSOCKET" if route.websocket else ",".join(route.methods or ["*"]),
                "path": route.path,
                "backend": route.backend,
                "canary": route.canary,
                "shadow": route.shadow,
                "requests": sum(t["requests"] for t in traffic.values()) if status else None,
                "errors": sum(t["errors"] for t in traffic.values()) if status else None,
                "p95_ms": max((t["p95_ms"] or 0 for t in traffic.values()), default=None),
                "rollback": rollback,
            }
        )
    if as_json:
        console.print_json(json.dumps({"routes": rows, "live": status is not None}))
        return
    table = Table(title=f"{routes} (default: {report.table.default})")
    for column in ("#", "methods", "path", "backend", "canary", "shadow"):
        table.add_column(column, no_wrap=column in ("methods", "path"))
    if status:
        for column in ("requests", "5xx", "p95 ms"):
            table.add_column(column, justify="right")
        table.add_column("rollback")
    for row in rows:
        cells = [
            str(row["index"]),
            row["methods"],
            row["path"],
            row["backend"],
            "" if row["canary"] is None else f"{row['canary']:g}%",
            "yes" if row["shadow"] is True else (f"{row['shadow']:g}%" if row["shadow"] else ""),
        ]
        if status:
            p95 = row["p95_ms"]
            cells += [str(row["requests"]), str(row["errors"]), "" if not p95 else f"{p95:.1f}"]
            rollback = row["rollback"]
            cells.append(f"to {rollback['fallback']} ({rollback['reason']})" if rollback else "")
        table.add_row(*cells)
    console.print(table)
    if status is None:
        console.print(f"(no gateway answering at {url}: no live counters)")
    else:
        console.print(f"live: generation {status['generation']}, worker {status['worker_pid']}")


@app.command()
def diffs(
    path: Annotated[
        str | None, typer.Argument(help="Only the routes of this path template.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    samples: Annotated[int, typer.Option(min=0, help="Diff samples shown per route.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Shadow diffs of a running gateway: outcomes per route and the latest differences."""
    answer = _admin_call("GET", url, "/_gateway/diffs", {"path": path})
    if as_json:
        console.print_json(json.dumps(answer))
        return
    routes_found = answer["routes"]
    if not routes_found:
        console.print("no shadowed route" + (f" with the path {path}" if path else ""))
        return
    table = Table(title=f"shadow diffs ({answer['shared_state']} state)")
    table.add_column("route", no_wrap=True)
    outcomes = ("match", "noise", "diff", "error", "dropped", "skipped")
    for outcome in outcomes:
        table.add_column(outcome, justify="right")
    table.add_column("noise learnt")
    for label, found in routes_found.items():
        counts = found["counts"]
        table.add_row(
            label,
            *(str(counts.get(outcome, 0)) for outcome in outcomes),
            ", ".join(found["noise"][:5]) + (" ..." if len(found["noise"]) > 5 else ""),
        )
    console.print(table)
    for label, found in routes_found.items():
        for sample in found["samples"][:samples]:
            request = sample["request"]
            query = f"?{request['query']}" if request["query"] else ""
            primary, shadow = sample["primary"], sample["shadow"]
            console.print(
                f"\n{label}: {request['method']} {request['path']}{query} "
                f"(request {request['request_id']})\n"
                f"  {primary['backend']} {primary['status']} vs {shadow['backend']} "
                f"{shadow['status']}",
                markup=False,
                highlight=False,
            )
            for difference in sample["differences"]:
                console.print(
                    f"  {difference['kind']:5} {difference['path']}: "
                    f"{difference['primary']} vs {difference['shadow']}",
                    markup=False,
                    highlight=False,
                )


@app.command()
def flip(
    path: Annotated[str, typer.Argument(help="The route's path template, as in the table.")],
    backend: Annotated[str, typer.Argument(help="The backend to send it to.")],
    methods: Annotated[
        str | None, typer.Option(help="Only these methods, comma-separated (GET,POST).")
    ] = None,
    routes: RoutesOption = DEFAULT_ROUTES,
) -> None:
    """Send PATH (or some of its methods) to BACKEND, editing the table in place.

    Comments and order are kept; a running gateway picks the change up by itself.
    """
    method_list = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
    try:
        result = flip_file(routes, path, backend, method_list)
    except TableError as error:
        for message in error.messages:
            errors.print(message, markup=False, highlight=False)
        errors.print("nothing written")
        raise typer.Exit(1) from None
    for change in result.changes:
        console.print(change, markup=False, highlight=False)


@app.command("coverage")
def coverage_command(routes: RoutesOption = DEFAULT_ROUTES, as_json: JsonOption = False) -> None:
    """Legacy endpoints: how many the new backend implements, how many it serves.

    "Legacy" is the default backend; it is compared with every other in-process backend.
    """
    _importable_working_directory()
    report = check_file(routes, imports=True)
    if report.table is None:
        for message in report.messages:
            errors.print(message, markup=False, highlight=False)
        raise typer.Exit(1)
    results = coverage(report.table, report.apps)
    if not results:
        errors.print("coverage needs the default backend and another one to be in-process apps")
        raise typer.Exit(1)
    if as_json:
        console.print_json(
            json.dumps(
                [
                    {
                        "legacy": result.legacy,
                        "other": result.other,
                        "endpoints": len(result.endpoints),
                        "implemented": result.implemented,
                        "routed": result.routed,
                        "rows": [row.__dict__ for row in result.endpoints],
                    }
                    for result in results
                ]
            )
        )
        return
    for result in results:
        total = len(result.endpoints)
        table = Table(title=f"{result.legacy} -> {result.other}")
        for column in ("method", "path", f"in {result.other}", "routed there"):
            table.add_column(column)
        for row in result.endpoints:
            table.add_row(
                row.method,
                row.path,
                "yes" if row.implemented else "-",
                "yes" if row.routed else "-",
            )
        console.print(table)
        console.print(
            f"{result.legacy}: {total} endpoints; {result.other} implements {result.implemented}"
            f" ({_share(result.implemented, total)}), serves {result.routed}"
            f" ({_share(result.routed, total)})",
            markup=False,
            highlight=False,
        )


def _share(part: int, total: int) -> str:
    return f"{100 * part / total:.0f}%" if total else "-"


def main() -> None:
    _load_plugins(app)
    app()


if __name__ == "__main__":
    main()
