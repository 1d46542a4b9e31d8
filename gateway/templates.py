"""Path templates in Starlette's syntax: `/api/videos/{video_id:int}`.

A template is a list of segments. Each segment is a literal or a parameter with a converter
(`str` by default, `int`, `float`, `uuid`, `path`). Unlike Starlette, a parameter must fill a
whole segment (`/files/{name}.{ext}` is refused): that is what lets the matcher be a trie of
segments instead of a list of regexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PARAMETER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_]+))?\}$")
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FLOAT_TEXT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _is_str(segment: str) -> bool:
    return segment != ""


def _is_int(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()


def _is_float(segment: str) -> bool:
    return FLOAT_TEXT.match(segment) is not None


def _is_uuid(segment: str) -> bool:
    return UUID_TEXT.match(segment) is not None


# What each converter accepts in one segment of an already percent-decoded path; the same
# sets as Starlette's convertors. `path` takes the rest of the path and is handled apart.
SEGMENT_CONVERTERS: dict[str, Callable[[str], bool]] = {
    "str": _is_str,
    "int": _is_int,
    "float": _is_float,
    "uuid": _is_uuid,
}
CONVERTERS = (*SEGMENT_CONVERTERS, "path")

# A request path that matches a parameter with this converter: used to ask a matcher
# "what would happen to a request for this template?" (coverage, endpoint checks).
SAMPLE_VALUES = {
    "str": "sample",
    "int": "1",
    "float": "1.5",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "path": "sample/path",
}


class TemplateError(ValueError):
    """A path template that cannot be compiled."""


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    converter: str


Segment = Literal | Parameter


@dataclass(frozen=True, slots=True)
class PathTemplate:
    text: str
    segments: tuple[Segment, ...]

    @property
    def shape(self) -> str:
        """The template with parameter names dropped: two templates with the same shape
        match exactly the same request paths."""
        parts = [
            segment.text if isinstance(segment, Literal) else "{:" + segment.converter + "}"
            for segment in self.segments
        ]
        return "/" + "/".join(parts)

    def sample_path(self) -> str:
        """A request path this template matches."""
        parts = [
            segment.text if isinstance(segment, Literal) else SAMPLE_VALUES[segment.converter]
            for segment in self.segments
        ]
        return "/" + "/".join(parts)


def split_path(path: str) -> list[str]:
    """`/a/b/` -> `["a", "b", ""]`: a trailing slash is an empty last segment, so
    `/a/b` and `/a/b/` are different paths, as they are for Starlette and Flask."""
    return path[1:].split("/")


def parse_template(text: str) -> PathTemplate:
    if not text.startswith("/"):
        raise TemplateError("a path must start with '/'")
    if "?" in text or "#" in text:
        raise TemplateError("a path must not contain '?' or '#'")
    raw_segments = split_path(text)
    segments: list[Segment] = []
    names: set[str] = set()
    for index, raw in enumerate(raw_segments):
        is_last = index == len(raw_segments) - 1
        if raw == "" and not is_last:
            raise TemplateError("empty segment ('//') in path")
        if "{" not in raw and "}" not in raw:
            segments.append(Literal(raw))
            continue
        match = PARAMETER.match(raw)
        if match is None:
            raise TemplateError(
                f"segment {raw!r}: a parameter must be a whole segment like "
                "'{name}' or '{name:int}'"
            )
        name, converter = match.group(1), match.group(2) or "str"
        if converter not in CONVERTERS:
            raise TemplateError(
                f"unknown converter {converter!r} in {raw!r} (known: {', '.join(CONVERTERS)})"
            )
        if name in names:
            raise TemplateError(f"parameter {name!r} appears twice")
        if converter == "path" and not is_last:
            raise TemplateError(f"{raw!r}: a path parameter must be the last segment")
        names.add(name)
        segments.append(Parameter(name, converter))
    return PathTemplate(text, tuple(segments))


WERKZEUG_PARAMETER = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
WERKZEUG_CONVERTERS = {
    "default": "str",
    "string": "str",
    "int": "int",
    "float": "float",
    "uuid": "uuid",
    "path": "path",
}


def from_werkzeug_rule(rule: str) -> str:
    """Flask's `/videos/<int:video_id>` as `/videos/{video_id:int}`; converters we do not
    know (`any(...)`, custom ones) become plain `{name}`."""

    def replace(match: re.Match[str]) -> str:
        converter = WERKZEUG_CONVERTERS.get(match.group("converter") or "default", "str")
        suffix = "" if converter == "str" else ":" + converter
        return "{" + match.group("name") + suffix + "}"

    return WERKZEUG_PARAMETER.sub(replace, rule)
