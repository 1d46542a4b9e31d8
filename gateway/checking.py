"""Offline checks of a table file, for `mvgate check` and `mvgate coverage`.

`check_file` reports everything it finds in one go: schema and table problems, in-process
backends that fail to import, and routes their backend has no endpoint for. The apps are
imported (factories called) but not started, which is all introspection needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.canary import load_hook
from gateway.endpoints import Endpoint, EndpointIndex, endpoint_problems, endpoints_of
from gateway.importing import ImportStringError, import_object, load_app
from gateway.live_table import compile_routes
from gateway.schema import AsgiBackend, RoutingTable, UrlBackend, WsgiBackend
from gateway.templates import TemplateError, parse_template
from gateway.validation import (
    Problem,
    TableError,
    TableParts,
    line_of,
    parse_yaml,
    plain,
    validate_document,
)


@dataclass
class CheckReport:
    source: str
    table: RoutingTable | None
    problems: list[Problem] = field(default_factory=list)
    apps: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[str]:
        return [problem.render(self.source) for problem in self.problems]


def load_in_process_apps(
    document: Any, backends: dict[str, WsgiBackend | AsgiBackend | UrlBackend | None]
) -> tuple[dict[str, Any], list[Problem]]:
    apps: dict[str, Any] = {}
    problems = []
    for name, spec in backends.items():
        if isinstance(spec, WsgiBackend | AsgiBackend):
            kind = "wsgi" if isinstance(spec, WsgiBackend) else "asgi"
            try:
                apps[name] = load_app(spec.target, kind, spec.factory)
            except ImportStringError as error:
                line = line_of(document, ("backends", name))
                problems.append(Problem(str(error), line, f"backend {name!r}"))
    return apps, problems


def backend_import_problems(table: RoutingTable) -> list[str]:
    """In-process backends whose module does not import (factories are not called): what
    `mvgate serve` refuses before binding, so a missing dependency is one line, not a
    traceback in every worker."""
    problems = []
    for name, spec in table.backends.items():
        if isinstance(spec, WsgiBackend | AsgiBackend):
            try:
                import_object(spec.target)
            except ImportStringError as error:
                problems.append(f"backend {name!r}: {error}")
    return problems


def hook_problems(document: Any, table: RoutingTable) -> list[Problem]:
    try:
        load_hook(table.users)
    except ImportStringError as error:
        return [Problem(str(error), line_of(document, ("users", "hook")), "users.hook")]
    return []


def check_file(path: Path, imports: bool = True) -> CheckReport:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        document = parse_yaml(text, source)
    except OSError as error:
        return CheckReport(source, None, [Problem(f"cannot read the file: {error.strerror}")])
    except TableError as error:
        return CheckReport(source, None, error.problems)
    report = CheckReport(source, None)
    try:
        report.table = validate_document(document, source)
        parts = TableParts.of_table(report.table)
    except TableError as error:
        report.problems.extend(error.problems)
        parts = TableParts.salvage(plain(document))
    if imports:
        report.apps, import_problems = load_in_process_apps(document, parts.backends)
        report.problems.extend(import_problems)
        if report.table is not None:
            report.problems.extend(hook_problems(document, report.table))
        report.problems.extend(endpoint_problems(document, parts.routes, report.apps))
    report.problems.sort(key=lambda problem: problem.line or 0)
    return report


@dataclass(frozen=True)
class EndpointCoverage:
    method: str
    path: str
    implemented: bool  # the other backend has an endpoint for it
    routed: bool  # the table sends it to the other backend


@dataclass(frozen=True)
class Coverage:
    legacy: str
    other: str
    endpoints: list[EndpointCoverage]

    @property
    def implemented(self) -> int:
        return sum(endpoint.implemented for endpoint in self.endpoints)

    @property
    def routed(self) -> int:
        return sum(endpoint.routed for endpoint in self.endpoints)


def coverage(table: RoutingTable, apps: dict[str, Any]) -> list[Coverage]:
    """For the default ("legacy") backend against every other in-process backend: which
    legacy endpoints the other implements, and which the table already sends to it."""
    legacy_endpoints = endpoints_of(apps.get(table.default))
    if legacy_endpoints is None:
        return []
    http, websocket, _ = compile_routes(table)
    reports = []
    for name, app in apps.items():
        other_endpoints = endpoints_of(app) if name != table.default else None
        if other_endpoints is None:
            continue
        index = EndpointIndex(other_endpoints)
        rows = []
        for endpoint in legacy_endpoints:
            for method, path in endpoint.pairs():
                rows.append(_coverage_row(endpoint, method, path, index, http, websocket, name))
        reports.append(Coverage(table.default, name, rows))
    return reports


def _coverage_row(
    endpoint: Endpoint,
    method: str,
    path: str,
    index: EndpointIndex,
    http: Any,
    websocket: Any,
    other: str,
) -> EndpointCoverage:
    try:
        sample = parse_template(path).sample_path()
    except TemplateError:
        # A rule the gateway cannot route on its own (a parameter inside a segment):
        # only the default backend can serve it.
        return EndpointCoverage(method, path, False, False)
    if endpoint.websocket:
        implemented = index.has_websocket(sample)
        entry = websocket.match("", sample)
    else:
        probe = "GET" if method == "*" else method
        implemented = not index.missing_methods(sample, [probe])
        entry = http.match(probe, sample)
    routed = entry is not None and entry.route.backend == other
    return EndpointCoverage(method, path, implemented, routed)
