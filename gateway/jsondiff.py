"""Structural comparison of two JSON documents: the places where they differ.

Objects are compared key by key (order does not matter), lists index by index, scalars by
value and kind: `true` is not `1`, `"1"` is not `1`, but `1` and `1.0` are the same number
(no JSON client can tell them apart). A key or list item present on one side only is a
difference at its own place, with `MISSING` on the other side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.jsonpaths import JsonPath


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
DEFAULT_LIMIT = 100  # differences reported per comparison: enough to read, bounded work


@dataclass(frozen=True, slots=True)
class Difference:
    path: JsonPath
    primary: Any
    shadow: Any


def diff_json(primary: Any, shadow: Any, limit: int = DEFAULT_LIMIT) -> list[Difference]:
    found: list[Difference] = []
    _walk(primary, shadow, (), found, limit)
    return found


def same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _walk(a: Any, b: Any, path: JsonPath, found: list[Difference], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key, value in a.items():
            if key in b:
                _walk(value, b[key], (*path, key), found, limit)
            else:
                found.append(Difference((*path, key), value, MISSING))
            if len(found) >= limit:
                return
        for key, value in b.items():
            if key not in a:
                found.append(Difference((*path, key), MISSING, value))
                if len(found) >= limit:
                    return
    elif isinstance(a, list) and isinstance(b, list):
        common = min(len(a), len(b))
        for index in range(common):
            _walk(a[index], b[index], (*path, index), found, limit)
            if len(found) >= limit:
                return
        for index in range(common, len(a)):
            found.append(Difference((*path, index), a[index], MISSING))
            if len(found) >= limit:
                return
        for index in range(common, len(b)):
            found.append(Difference((*path, index), MISSING, b[index]))
            if len(found) >= limit:
                return
    elif isinstance(a, dict | list) or isinstance(b, dict | list) or not same_scalar(a, b):
        found.append(Difference(path, a, b))
