"""Places in a JSON document, as the shadow diff names them, and `ignore:` patterns.

A place is a tuple of keys (str) and list indices (int) from the root, rendered the
JSONPath way: `$.items[3].title`, `$["odd key"]`. Two kinds of `ignore:` entries:

- a field name (`query_time`): that field, and everything under it, wherever it appears;
- a JSON path starting with `$` (`$.meta.generated_at`, `$.items[*].updated_at`,
  `$.stats.*`): that place and everything under it; `[*]` is any index, `.*` any key.

Noise learnt by calling the primary twice is kept as *generalized* paths (every index
replaced by `[*]`), so a field that differs in one list item is noise in all of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

JsonPath = tuple[str | int, ...]

ANY_INDEX = -1  # `[*]`: never a real index
ANY_KEY = "\x00*"  # `.*`: never a real key (JSON keys from our parser hold no NUL)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
PATH_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*|\*)"""
    r"""|\[(?P<index>\d+|\*)\]"""
    r"""|\[(?P<quoted>"(?:[^"\\]|\\.)*"|'[^'\\]*')\]"""
)


def render(path: JsonPath) -> str:
    parts = ["$"]
    for step in path:
        if isinstance(step, int):
            parts.append("[*]" if step == ANY_INDEX else f"[{step}]")
        elif step == ANY_KEY:
            parts.append(".*")
        elif IDENTIFIER.match(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step)}]")
    return "".join(parts)


def generalize(path: JsonPath) -> JsonPath:
    return tuple(ANY_INDEX if isinstance(step, int) else step for step in path)


def parse_path(text: str) -> JsonPath:
    """`$.items[*].title` -> ("items", ANY_INDEX, "title"); ValueError when malformed."""
    if not text.startswith("$"):
        raise ValueError("a JSON path starts with '$'")
    steps: list[str | int] = []
    position = 1
    while position < len(text):
        found = PATH_STEP.match(text, position)
        if found is None:
            raise ValueError(f"cannot read the path from {text[position:]!r}")
        if found.group("name") is not None:
            name = found.group("name")
            steps.append(ANY_KEY if name == "*" else name)
        elif found.group("index") is not None:
            index = found.group("index")
            steps.append(ANY_INDEX if index == "*" else int(index))
        else:
            quoted = found.group("quoted")
            steps.append(json.loads(quoted) if quoted[0] == '"' else quoted[1:-1])
        position = found.end()
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class IgnorePattern:
    field: str | None = None  # a field name, anywhere
    path: JsonPath | None = None  # a path from the root (and everything under it)


def parse_ignore(text: str) -> IgnorePattern:
    if not text:
        raise ValueError("empty")
    if text.startswith("$"):
        return IgnorePattern(path=parse_path(text))
    return IgnorePattern(field=text)


def _step_matches(pattern: str | int, step: str | int) -> bool:
    if pattern == ANY_INDEX:
        return isinstance(step, int)
    if pattern == ANY_KEY:
        return isinstance(step, str)
    return pattern == step and isinstance(pattern, int) == isinstance(step, int)


class IgnoreRules:
    """A route's `ignore:` list, compiled."""

    def __init__(self, entries: tuple[str, ...] = ()) -> None:
        patterns = [parse_ignore(entry) for entry in entries]
        self.fields = frozenset(p.field for p in patterns if p.field is not None)
        self.paths = tuple(p.path for p in patterns if p.path is not None)

    def __bool__(self) -> bool:
        return bool(self.fields or self.paths)

    def matches(self, path: JsonPath) -> bool:
        if self.fields and any(isinstance(step, str) and step in self.fields for step in path):
            return True
        for pattern in self.paths:
            if len(pattern) <= len(path) and all(
                _step_matches(want, step) for want, step in zip(pattern, path, strict=False)
            ):
                return True
        return False
