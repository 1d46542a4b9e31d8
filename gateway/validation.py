"""Read a routing table file and validate it, reporting every problem with its line.

Validation happens in two passes, and both report all their problems at once:

1. the schema (`gateway.schema`): types, ranges, path syntax;
2. the table as a whole: routes naming unknown backends, duplicate routes, websocket
   routes to backends that cannot take them, cutover keys on the default backend.

A third check, "does the backend have an endpoint for this route?", needs the backend apps
themselves and lives in `gateway.endpoints`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from gateway.schema import AsgiBackend, Route, RoutingTable, UrlBackend, WsgiBackend

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a table: where (file, line, route) and what."""

    message: str
    line: int | None = None
    where: str = ""

    def render(self, source: str) -> str:
        place = source if self.line is None else f"{source}:{self.line}"
        subject = f" {self.where}:" if self.where else ""
        return f"{place}:{subject} {self.message}"


class TableError(Exception):
    """A routing table refused whole; `problems` lists everything found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [problem.render(self.source) for problem in self.problems]


def parse_yaml(text: str, source: str) -> Any:
    """The YAML document, kept as ruamel's commented nodes so that lines are known."""
    yaml = YAML(typ="rt")
    try:
        return yaml.load(StringIO(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = error.problem or error.context or "invalid YAML"
        raise TableError(source, [Problem(f"invalid YAML: {detail}", line)]) from None
    except YAMLError as error:
        raise TableError(source, [Problem(f"invalid YAML: {error}")]) from None


def line_of(document: Any, location: Location) -> int | None:
    """1-based line of the deepest node of `location` found in the document.

    Pydantic adds the tag of a tagged union to error locations (`backends.x.wsgi.threads`):
    an element that names a scalar while more elements follow is such a tag, and skipped.
    """
    node, line = document, None
    elements = list(location)
    while elements:
        element, rest = elements[0], elements[1:]
        if isinstance(node, CommentedMap) and element in node:
            key_line = node.lc.key(element)[0] + 1
            child = node[element]
            if rest and not isinstance(child, CommentedMap | CommentedSeq):
                elements = rest
                continue
            node, line = child, key_line
        elif (
            isinstance(node, CommentedSeq) and isinstance(element, int) and 0 <= element < len(node)
        ):
            line = node.lc.item(element)[0] + 1
            node = node[element]
        elif rest:
            elements = rest
            continue
        else:
            break
        elements = rest
    if line is None and isinstance(document, CommentedMap):
        return document.lc.line + 1
    return line


def route_label(document: Any, index: int) -> str:
    """`routes[3] (/api/videos/)`: how a problem names the route at fault."""
    path = None
    routes = document.get("routes") if isinstance(document, dict) else None
    if isinstance(routes, list) and index < len(routes) and isinstance(routes[index], dict):
        path = routes[index].get("path")
    return f"routes[{index}]" + (f" ({path})" if isinstance(path, str) else "")


def where_of(document: Any, location: Location) -> str:
    if len(location) >= 2 and location[0] == "routes" and isinstance(location[1], int):
        return route_label(document, location[1])
    if len(location) >= 2 and location[0] == "backends":
        return f"backend {location[1]!r}"
    return ".".join(str(element) for element in location)


def _readable(error: dict[str, Any]) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return f"unknown key {error['loc'][-1]!r}"
    if kind == "missing":
        return f"missing key {error['loc'][-1]!r}"
    return message.removeprefix("Value error, ")


def schema_problems(document: Any, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        where = where_of(document, location)
        field = ".".join(str(part) for part in _field_location(location))
        if item["type"] in ("extra_forbidden", "missing") or not field:
            message = _readable(item)
        else:
            message = f"{field}: {_readable(item)}"
        problems.append(Problem(message, line_of(document, location), where))
    return problems


@dataclass(frozen=True)
class TableParts:
    """The parts of a table that passed the schema, for the cross checks. When the schema
    failed somewhere, the cross checks still run on what is valid, so that one run reports
    every problem; backends that failed the schema still count as defined (`None`)."""

    default: str | None
    backends: dict[str, WsgiBackend | AsgiBackend | UrlBackend | None]
    routes: list[tuple[int, Route]]
    # The kind of every backend, valid or not ("wsgi", "asgi", "url").
    kinds: dict[str, str | None]

    @classmethod
    def of_table(cls, table: RoutingTable) -> TableParts:
        kinds = {name: _kind_of(spec.model_dump()) for name, spec in table.backends.items()}
        return cls(table.default, dict(table.backends), list(enumerate(table.routes)), kinds)

    @classmethod
    def salvage(cls, data: Any) -> TableParts:
        if not isinstance(data, dict):
            return cls(None, {}, [], {})
        default = data.get("default") if isinstance(data.get("default"), str) else None
        backends: dict[str, WsgiBackend | AsgiBackend | UrlBackend | None] = {}
        kinds: dict[str, str | None] = {}
        raw_backends = data.get("backends")
        for name, raw in raw_backends.items() if isinstance(raw_backends, dict) else []:
            backends[str(name)] = _salvage_backend(raw)
            kinds[str(name)] = _kind_of(raw)
        routes = []
        raw_routes = data.get("routes")
        for index, raw in enumerate(raw_routes if isinstance(raw_routes, list) else []):
            try:
                routes.append((index, Route.model_validate(raw)))
            except ValidationError:
                continue
        return cls(default, backends, routes, kinds)


def _salvage_backend(raw: Any) -> WsgiBackend | AsgiBackend | UrlBackend | None:
    for model in (WsgiBackend, AsgiBackend, UrlBackend):
        try:
            return model.model_validate(raw)
        except ValidationError:
            continue
    return None


def _kind_of(raw: Any) -> str | None:
    if isinstance(raw, dict):
        for kind in ("wsgi", "asgi", "url"):
            if kind in raw:
                return kind
    return None


def _field_location(location: Location) -> Location:
    """The field within a backend or route: `backends.new.asgi.asgi` -> `asgi` (pydantic
    puts the tag of the backend kind before the field)."""
    inner = location[2:]
    if location[:1] == ("backends",) and inner[:1] in (("wsgi",), ("asgi",), ("url",)):
        inner = inner[1:]
    if location[:1] == ("routes",) and inner[:2] == ("rate_limit", "limits"):
        inner = ("rate_limit", *inner[2:])  # the tag of a route's rate_limit union
    return inner


def table_problems(document: Any, parts: TableParts) -> list[Problem]:
    """Checks across the table: names, duplicates, websocket targets, cutover keys."""
    problems: list[Problem] = []

    def report(message: str, location: Location) -> None:
        problems.append(Problem(message, line_of(document, location), where_of(document, location)))

    known = ", ".join(parts.backends)
    if parts.default is not None and parts.default not in parts.backends:
        report(f"default backend {parts.default!r} is not defined (known: {known})", ("default",))
    seen: dict[tuple[str, bool], list[tuple[int, Route]]] = {}
    for index, route in parts.routes:
        at = ("routes", index)
        if route.backend not in parts.backends:
            report(f"unknown backend {route.backend!r} (known: {known})", (*at, "backend"))
        problems.extend(_websocket_problems(document, route, parts.kinds.get(route.backend), at))
        if route.backend == parts.default and (route.canary is not None or route.shadow):
            report("canary and shadow need a backend other than the default one", (*at, "backend"))
        key = (route.template.shape, route.websocket)
        earlier = seen.setdefault(key, [])
        if earlier and _is_shadowed(route, [other for _, other in earlier]):
            first_index = earlier[0][0]
            report(
                "never reached: earlier routes with the same path "
                f"({route_label(document, first_index)} at line "
                f"{line_of(document, ('routes', first_index))}) already take its methods",
                at,
            )
        earlier.append((index, route))
    return problems


def _websocket_problems(
    document: Any, route: Route, backend_kind: str | None, at: Location
) -> Iterable[Problem]:
    where = where_of(document, at)
    if route.websocket and route.methods is not None:
        yield Problem(
            "a websocket route takes no methods", line_of(document, (*at, "methods")), where
        )
    if route.websocket and backend_kind == "wsgi":
        yield Problem(
            f"websocket route to WSGI backend {route.backend!r}: WSGI cannot serve websockets",
            line_of(document, (*at, "websocket")),
            where,
        )
    if route.websocket and (route.canary is not None or route.shadow):
        yield Problem("canary and shadow apply to HTTP routes only", line_of(document, at), where)


def _is_shadowed(route: Route, earlier: list[Route]) -> bool:
    """True when routes earlier in the table, with the same path shape, already take every
    method of `route` (a duplicate, or a route made unreachable by its order)."""
    if any(other.methods is None for other in earlier):
        return True
    if route.methods is None:
        return False
    taken = {method for other in earlier for method in other.methods or ()}
    return set(route.methods) <= taken


def validate_text(text: str, source: str) -> RoutingTable:
    """The table in `text`, or TableError listing every problem found."""
    return validate_document(parse_yaml(text, source), source)


def validate_document(document: Any, source: str) -> RoutingTable:
    if not isinstance(document, CommentedMap):
        raise TableError(
            source, [Problem("the file must be a YAML mapping (version:, backends:, ...)")]
        )
    data = plain(document)
    try:
        table = RoutingTable.model_validate(data)
    except ValidationError as error:
        problems = schema_problems(document, error)
        problems += table_problems(document, TableParts.salvage(data))
        raise TableError(source, sorted(problems, key=_by_line)) from None
    problems = table_problems(document, TableParts.of_table(table))
    if problems:
        raise TableError(source, problems)
    return table


def load_table(path: Path) -> RoutingTable:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TableError(str(path), [Problem(f"cannot read the file: {error.strerror}")]) from None
    return validate_text(text, str(path))


def _by_line(problem: Problem) -> int:
    return problem.line or 0


def plain(node: Any) -> Any:
    """ruamel's commented nodes as plain dicts and lists, for pydantic."""
    if isinstance(node, dict):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return node
