"""Compare the primary's response with the shadow's, the way Diffy does.

Status, media type and body are compared; JSON bodies structurally (`gateway.jsondiff`),
other bodies byte for byte. A difference is named by its place: `status`, `content-type`,
`body` (a non-JSON body), or a JSON path (`$.items[0].title`).

- places matching the route's `ignore:` are dropped;
- **noise**: when the primary was called a second time for the same request, the places
  where its two answers differ are noise (timestamps, random ids, ...); they are learnt for
  the route (generalized: `$.items[*].nonce`), and differences at a noisy place, or under
  one, are reported apart from real ones;
- the outcome is `match` (no difference left), `noise` (only noisy ones) or `diff`.

This runs in a worker thread: parsing and walking a large body is CPU work.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from gateway.jsondiff import MISSING, diff_json
from gateway.jsonpaths import IgnoreRules, generalize, render

SAMPLE_BODY_BYTES = 16 * 1024  # of each body, in a diff sample
SAMPLE_VALUE_CHARS = 200  # of each differing value, in a diff sample


@dataclass(slots=True)
class Captured:
    """A response as the gateway saw it, body capped."""

    backend: str
    status: int = 0
    content_type: str = ""
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    too_large: bool = False
    error: str | None = None
    timed_out: bool = False
    seconds: float = 0.0
    content_encoding: str = ""  # "gzip" when the backend compressed for the client
    _parsed: tuple[bool, Any] | None = None  # the body as JSON, once parsed
    _content: bytes | None = None  # the body with its content-encoding undone, once

    def content(self) -> bytes:
        """The body as the app meant it: one backend may gzip for a client that accepts it
        while the other does not, and that is not a difference in the answer."""
        if self._content is None:
            self._content = _decoded(bytes(self.body), self.content_encoding)
        return self._content

    def parsed(self) -> tuple[bool, Any]:
        """(is JSON, document): parsed once however many comparisons use it."""
        if self._parsed is None:
            self._parsed = _json_of(self)
        return self._parsed

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        media = self.media_type
        return media == "application/json" or media.endswith("+json")

    def summary(self) -> dict[str, Any]:
        content = self.content()
        body = content[:SAMPLE_BODY_BYTES].decode("utf-8", errors="replace")
        return {
            "backend": self.backend,
            "status": self.status,
            "content_type": self.content_type,
            "body": body,
            "body_truncated": len(content) > SAMPLE_BODY_BYTES,
            "ms": round(self.seconds * 1000, 3),
        }


@dataclass(frozen=True, slots=True)
class Found:
    place: str  # as reported: "$.items[0].title"
    general: str  # as learnt for noise: "$.items[*].title"
    primary: Any
    shadow: Any

    def as_dict(self, kind: str) -> dict[str, Any]:
        return {
            "path": self.place,
            "kind": kind,
            "primary": _shown(self.primary),
            "shadow": _shown(self.shadow),
        }


def _shown(value: Any) -> str:
    """A value as JSON text, cut short; `(missing)` (no quotes) for an absent one."""
    if value is MISSING:
        return "(missing)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= SAMPLE_VALUE_CHARS else text[: SAMPLE_VALUE_CHARS - 3] + "..."


def _decoded(body: bytes, encoding: str) -> bytes:
    """Undo gzip/deflate; a body that does not decode is compared as it came."""
    encoding = encoding.strip().lower()
    if not body or encoding not in ("gzip", "x-gzip", "deflate"):
        return body
    try:
        if encoding == "deflate":
            return zlib.decompress(body)
        return zlib.decompress(body, wbits=zlib.MAX_WBITS | 16)
    except zlib.error:
        return body


def _json_of(response: Captured) -> tuple[bool, Any]:
    content = response.content()
    if not response.is_json or not content:
        return False, None
    try:
        return True, json.loads(content)
    except ValueError:
        return False, None


def differences(
    primary: Captured, shadow: Captured, ignore: IgnoreRules, bodies: bool = True
) -> list[Found]:
    found = []
    if primary.status != shadow.status:
        found.append(Found("status", "status", primary.status, shadow.status))
    if primary.media_type != shadow.media_type:
        found.append(Found("content-type", "content-type", primary.media_type, shadow.media_type))
    if not bodies:
        return found
    primary_content, shadow_content = primary.content(), shadow.content()
    if primary_content == shadow_content:
        return found
    parsed_primary, primary_json = primary.parsed()
    parsed_shadow, shadow_json = shadow.parsed()
    if parsed_primary and parsed_shadow:
        booleans = _may_hold_booleans(primary_content) or _may_hold_booleans(shadow_content)
        if _same_json(primary_json, shadow_json, booleans):
            return found
        for difference in diff_json(primary_json, shadow_json):
            if ignore and ignore.matches(difference.path):
                continue
            found.append(
                Found(
                    render(difference.path),
                    render(generalize(difference.path)),
                    difference.primary,
                    difference.shadow,
                )
            )
    else:
        found.append(
            Found("body", "body", f"{len(primary_content)} bytes", f"{len(shadow_content)} bytes")
        )
    return found


def _may_hold_booleans(body: bytes) -> bool:
    return b"true" in body or b"false" in body


def _same_json(a: Any, b: Any, booleans: bool) -> bool:
    """A fast answer for the common case, two serializations of the same document (other
    key order or spacing). `==` runs in C but takes `true` for `1`: when either text may
    hold a boolean, equality is confirmed by an exact walk (no paths built)."""
    if a != b:
        return False
    return not booleans or _exactly_equal(a, b)


def _exactly_equal(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is not type(b):
        return kind in (int, float) and type(b) in (int, float) and a == b
    if kind is dict:
        return len(a) == len(b) and all(
            key in b and _exactly_equal(value, b[key]) for key, value in a.items()
        )
    if kind is list:
        return len(a) == len(b) and all(map(_exactly_equal, a, b))
    return bool(a == b)


def is_noise(general: str, noise: frozenset[str] | set[str]) -> bool:
    if general in noise:
        return True
    return any(
        general.startswith(place) and general[len(place) : len(place) + 1] in (".", "[")
        for place in noise
    )


@dataclass
class Comparison:
    outcome: str  # "match", "noise" or "diff"
    real: list[Found]
    noisy: list[Found]
    learnt: set[str]  # noise places found by this comparison's second primary call

    def paths(self) -> list[dict[str, Any]]:
        return [found.as_dict("real") for found in self.real] + [
            found.as_dict("noise") for found in self.noisy
        ]


def compare(
    primary: Captured,
    shadow: Captured,
    second: Captured | None,
    ignore: IgnoreRules,
    known_noise: frozenset[str],
    bodies: bool = True,
) -> Comparison:
    """`bodies=False` for HEAD: an app may send a body the server then drops."""
    learnt: set[str] = set()
    if second is not None and second.error is None and second.complete:
        learnt = {found.general for found in differences(primary, second, ignore, bodies)}
    noise = known_noise | learnt
    real, noisy = [], []
    for found in differences(primary, shadow, ignore, bodies):
        (noisy if is_noise(found.general, noise) else real).append(found)
    outcome = "diff" if real else ("noise" if noisy else "match")
    return Comparison(outcome, real, noisy, learnt)
