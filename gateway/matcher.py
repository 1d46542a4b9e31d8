"""The compiled matcher: a trie of path segments.

A request path is split on '/' and walked down the trie, one dictionary lookup per literal
segment, so the cost grows with the depth of the path, not with the number of routes.

Precedence, the same rule everywhere: at each segment a literal beats a parameter, and a
parameter beats a `{...:path}` parameter (which takes the rest of the path); between routes
that tie segment by segment, the one earlier in the table wins. A route whose methods do not
include the request's method does not match at all (HEAD follows GET), so the search goes
on to the next candidate, and in the end to the table's default backend: whatever answers
404 or 405 is then the backend itself, never the gateway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from gateway.templates import SEGMENT_CONVERTERS, Literal, PathTemplate, split_path

T = TypeVar("T")

# The rank of a match: one number per segment (0 literal, 1 parameter, 2 rest-of-path),
# then the entry's position in the table. The smallest rank wins.
Rank = tuple[int, ...]


@dataclass(slots=True)
class Entry(Generic[T]):
    position: int
    methods: frozenset[str] | None  # None: every method
    value: T

    def allows(self, method: str) -> bool:
        return self.methods is None or method in self.methods


@dataclass(slots=True)
class Node(Generic[T]):
    literals: dict[str, Node[T]] = field(default_factory=dict)
    # One child per converter, in the order the table first used them.
    parameters: list[tuple[str, Callable[[str], bool], Node[T]]] = field(default_factory=list)
    rest_of_path: list[Entry[T]] = field(default_factory=list)
    ends_here: list[Entry[T]] = field(default_factory=list)

    def parameter_child(self, converter: str) -> Node[T]:
        for name, _, child in self.parameters:
            if name == converter:
                return child
        child: Node[T] = Node()
        self.parameters.append((converter, SEGMENT_CONVERTERS[converter], child))
        return child


def allowed_methods(methods: Iterable[str] | None) -> frozenset[str] | None:
    """The methods an entry answers: HEAD follows GET."""
    if methods is None:
        return None
    allowed = set(methods)
    if "GET" in allowed:
        allowed.add("HEAD")
    return frozenset(allowed)


class Matcher(Generic[T]):
    """Maps (method, path) to the value of the best entry, or None."""

    def __init__(self) -> None:
        self._root: Node[T] = Node()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, template: PathTemplate, methods: Iterable[str] | None, value: T) -> None:
        entry = Entry(self._size, allowed_methods(methods), value)
        self._size += 1
        node = self._root
        for segment in template.segments:
            if isinstance(segment, Literal):
                node = node.literals.setdefault(segment.text, Node())
            elif segment.converter == "path":
                node.rest_of_path.append(entry)
                return
            else:
                node = node.parameter_child(segment.converter)
        node.ends_here.append(entry)

    def match(self, method: str, path: str) -> T | None:
        found = _search(self._root, split_path(path), 0, method)
        return None if found is None else found[1].value


def _search(
    node: Node[T], segments: list[str], index: int, method: str
) -> tuple[Rank, Entry[T]] | None:
    if index == len(segments):
        for entry in node.ends_here:
            if entry.allows(method):
                return (entry.position,), entry
        return None
    segment = segments[index]
    child = node.literals.get(segment)
    if child is not None:
        found = _search(child, segments, index + 1, method)
        if found is not None:
            return (0, *found[0]), found[1]
    best: tuple[Rank, Entry[T]] | None = None
    for _, accepts, child in node.parameters:
        if accepts(segment):
            found = _search(child, segments, index + 1, method)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
    if best is not None:
        return (1, *best[0]), best[1]
    for entry in node.rest_of_path:
        if entry.allows(method):
            return (2, entry.position), entry
    return None
