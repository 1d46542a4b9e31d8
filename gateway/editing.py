"""`mvgate flip`: change which backend serves a path, editing the YAML in place.

The file is edited with ruamel.yaml's round-trip mode, so comments, key order, quoting and
flow style survive; only the touched route changes. The result is validated before it is
written, and written by renaming a complete new file over the old one, so a running
gateway never reads half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gateway.schema import HTTP_METHODS
from gateway.validation import Problem, TableError, validate_text

SEQUENCE_ITEM = re.compile(r"^(\s*)- ", re.MULTILINE)


@dataclass(frozen=True)
class Flip:
    text: str  # the new file content
    changes: list[str]  # what was done, for the operator


def _round_trip_yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    # Keep the file's own list indentation (`  - path:` or `- path:`).
    routes_at = text.find("routes:")
    item = SEQUENCE_ITEM.search(text, routes_at if routes_at >= 0 else 0)
    offset = len(item.group(1)) if item else 2
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def _methods_node(methods: list[str]) -> CommentedSeq:
    node = CommentedSeq(methods)
    node.fa.set_flow_style()
    return node


def flip_text(
    text: str, source: str, path: str, backend: str, methods: list[str] | None = None
) -> Flip:
    """The table in `text` with `path` (or its `methods` only) sent to `backend`."""
    yaml = _round_trip_yaml(text)
    document: Any = yaml.load(text)
    if not isinstance(document, CommentedMap):
        raise TableError(source, [Problem("the file is not a routing table")])
    backends = document.get("backends") or {}
    if backend not in backends:
        known = ", ".join(backends)
        raise TableError(source, [Problem(f"unknown backend {backend!r} (known: {known})")])
    if methods is not None:
        methods = [method.upper() for method in methods]
        unknown = [method for method in methods if method not in HTTP_METHODS]
        if unknown:
            raise TableError(source, [Problem(f"unknown method {', '.join(unknown)}")])
    if "routes" not in document or document["routes"] is None:
        document["routes"] = CommentedSeq()
    routes: CommentedSeq = document["routes"]
    same_path = [
        index
        for index, route in enumerate(routes)
        if isinstance(route, dict) and route.get("path") == path and not route.get("websocket")
    ]
    # Where the backend value of each route to change sits in the text, before editing.
    positions = {index: routes[index].lc.value("backend") for index in same_path}
    if methods is None:
        changes, edited = _flip_whole_path(routes, same_path, path, backend)
    else:
        changes, edited = _flip_methods(routes, same_path, path, backend, methods)
    if edited is not None:
        # Only backend values changed: edit those words in the text, so that not even the
        # spacing of other lines moves.
        new_text = _replace_values(text, [positions[index] for index in edited], backend)
    else:
        output = StringIO()
        yaml.dump(document, output)
        new_text = output.getvalue()
    validate_text(new_text, source)  # refuse to write a table the gateway would refuse
    return Flip(new_text, changes)


SCALAR = re.compile(r"""(["']?)[A-Za-z][A-Za-z0-9_-]*\1""")


def _replace_values(text: str, positions: list[tuple[int, int]], value: str) -> str:
    lines = text.splitlines(keepends=True)
    for line, column in positions:
        found = SCALAR.match(lines[line], column)
        assert found is not None, "a backend name where ruamel said it is"
        quote = found.group(1)
        lines[line] = lines[line][:column] + f"{quote}{value}{quote}" + lines[line][found.end() :]
    return "".join(lines)


# What an edit did, and the routes whose backend value alone changed (None: the structure
# of the routes list changed, so the whole document must be written out).
Edit = tuple[list[str], list[int] | None]


def _flip_whole_path(routes: CommentedSeq, same_path: list[int], path: str, backend: str) -> Edit:
    if not same_path:
        routes.append(CommentedMap([("path", path), ("backend", backend)]))
        return [f"added route {path} (all methods) -> {backend}"], None
    changes, edited = [], []
    for index in same_path:
        route = routes[index]
        if route["backend"] != backend:
            changes.append(f"routes[{index}] {path}: {route['backend']} -> {backend}")
            route["backend"] = backend
            edited.append(index)
    return changes or [f"{path} already goes to {backend}"], edited


def _flip_methods(
    routes: CommentedSeq, same_path: list[int], path: str, backend: str, methods: list[str]
) -> Edit:
    wanted = set(methods)
    for index in same_path:
        listed = routes[index].get("methods")
        if listed is not None and {str(m).upper() for m in listed} == wanted:
            old = routes[index]["backend"]
            routes[index]["backend"] = backend
            return [f"routes[{index}] {','.join(methods)} {path}: {old} -> {backend}"], [index]
    changes = []
    # Take the methods out of the routes that list them, dropping routes left empty...
    for index in reversed(same_path):
        listed = routes[index].get("methods")
        if listed is None:
            continue
        remaining = [m for m in listed if str(m).upper() not in wanted]
        if len(remaining) == len(listed):
            continue
        if remaining:
            routes[index]["methods"] = _methods_node(remaining)
            changes.append(f"routes[{index}] {path}: now {','.join(map(str, remaining))} only")
        else:
            del routes[index]
            changes.append(f"routes[{index}] {path}: removed (all its methods move)")
    # ...and give them a route of their own, placed where the path's first route was, so
    # that it comes before any route that takes every method of the path.
    new_route = CommentedMap(
        [("path", path), ("methods", _methods_node(methods)), ("backend", backend)]
    )
    position = min(same_path) if same_path else len(routes)
    position = min(position, len(routes))
    routes.insert(position, new_route)
    changes.append(f"added route {','.join(methods)} {path} -> {backend}")
    return changes, None


def write_atomically(path: Path, text: str) -> None:
    """Write a complete new file, then rename it over the old one (same directory, so the
    rename is atomic); the old file's permissions are kept."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, draft = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as draft_file:
            draft_file.write(text)
        os.chmod(draft, mode)
        os.replace(draft, path)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise


def flip_file(path: Path, route_path: str, backend: str, methods: list[str] | None) -> Flip:
    text = path.read_text(encoding="utf-8")
    flip = flip_text(text, str(path), route_path, backend, methods)
    if flip.text != text:
        write_atomically(path, flip.text)
    return flip
