"""What a parity case is: one request, described as data, sent to both backends.

    get("/api/videos/", {"sort": "year", "order": "desc"})
    put("/api/videos/1", {"year": "1999"}, note="year as a string")
    post("/api/users/", {"username": "x"}, who="user", note="not an admin")

A case names the request (method, path, query, body, extra headers), who sends it (`who`,
one of PRINCIPALS) and whether the library requires a login while it runs
(`auth_required`). Anything a case may ignore must be truly non-deterministic (a random
secret); wall-clock timestamps are handled for every case by the comparison itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

# Who sends a request. Cookies are minted with the shared session codec; keys are the seeded
# API keys. `anonymous` acts as admin while the library does not require a login.
PRINCIPALS = (
    "anonymous",
    "admin",
    "manager",
    "user",
    "readonly",
    "disabled",  # a session cookie of a deactivated user: counts as no cookie, cleared
    "ghost",  # a validly signed cookie of a user id that does not exist
    "forged",  # a cookie signed with another secret
    "key:user",
    "key:readonly",
    "key:admin",
    "key:revoked",
    "key:unknown",
)

# The body of a case: absent, a JSON value (sent as application/json), or one of these.
NO_BODY: Any = object()


@dataclass(frozen=True)
class Raw:
    """Bytes sent as they are, with this Content-Type (None: no Content-Type header)."""

    content: bytes
    content_type: str | None = "application/json"


@dataclass(frozen=True)
class Form:
    """An HTML form post (application/x-www-form-urlencoded)."""

    fields: Mapping[str, str]


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    query: Sequence[tuple[str, str]] = ()
    body: Any = NO_BODY
    who: str = "anonymous"
    auth_required: bool = False
    # Named changes to the seeded state made before the request (world.SETUPS).
    setup: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    # Truly non-deterministic values (a random secret): JSON paths in the body
    # ("api_key", "key.key_prefix"; "*" matches any list index or key) ...
    ignore: tuple[str, ...] = ()
    # ... and database columns ("api_keys.key_hash").
    ignore_rows: tuple[str, ...] = ()
    # The request starts a background download: the harness waits for it to settle and does
    # not compare what the download runner writes (see compare.RUNNER_OWNED).
    starts_download: bool = False
    # Which settings the apps run with ("default", or a variant in world.VARIANTS).
    variant: str = "default"
    note: str = ""
    family: str = ""  # set by cases/__init__.py from the module the case is listed in

    def __post_init__(self) -> None:
        if self.who not in PRINCIPALS:
            raise ValueError(f"unknown principal {self.who!r}; use one of {PRINCIPALS}")
        if not self.path.startswith("/"):
            raise ValueError(f"path must start with '/': {self.path!r}")

    @property
    def url(self) -> str:
        """The path with its query string, as sent."""
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path

    @property
    def id(self) -> str:
        """A readable test id: `videos: GET /api/videos/?sort=year [readonly] (note)`."""
        parts = [f"{self.family}:", self.method, self.url]
        if self.body is not NO_BODY:
            parts.append(describe_body(self.body))
        if self.who != "anonymous" or self.auth_required:
            parts.append(f"[{self.who}{', login required' if self.auth_required else ''}]")
        if self.variant != "default":
            parts.append(f"<{self.variant}>")
        if self.setup:
            parts.append(f"<{', '.join(self.setup)}>")
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)


def describe_body(body: Any, width: int = 60) -> str:
    """A short, readable rendering of a case body for its id."""
    if isinstance(body, Raw):
        content = body.content if len(body.content) <= 24 else body.content[:21] + b"..."
        return f"<{body.content_type or 'no content type'}: {content!r}>"
    if isinstance(body, Form):
        return "form " + describe_body(dict(body.fields), width)
    text = json.dumps(body, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def _query(query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> tuple:
    if query is None:
        return ()
    items = query.items() if isinstance(query, Mapping) else query
    return tuple((name, str(value)) for name, value in items)


def request_case(
    method: str,
    path: str,
    query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
    body: Any = NO_BODY,
    **options: Any,
) -> Case:
    return Case(method=method, path=path, query=_query(query), body=body, **options)


def get(path: str, query: Mapping[str, Any] | None = None, **options: Any) -> Case:
    return request_case("GET", path, query, **options)


def head(path: str, query: Mapping[str, Any] | None = None, **options: Any) -> Case:
    return request_case("HEAD", path, query, **options)


def options_(path: str, **options: Any) -> Case:
    return request_case("OPTIONS", path, **options)


def post(
    path: str, body: Any = NO_BODY, query: Mapping[str, Any] | None = None, **options: Any
) -> Case:
    return request_case("POST", path, query, body, **options)


def put(
    path: str, body: Any = NO_BODY, query: Mapping[str, Any] | None = None, **options: Any
) -> Case:
    return request_case("PUT", path, query, body, **options)


def patch(path: str, body: Any = NO_BODY, **options: Any) -> Case:
    return request_case("PATCH", path, None, body, **options)


def delete(path: str, query: Mapping[str, Any] | None = None, **options: Any) -> Case:
    return request_case("DELETE", path, query, **options)


MALFORMED_JSON = Raw(b'{"title": "unterminated')
NOT_AN_OBJECT = [1, 2, 3]
NAN_JSON = Raw(b'{"year": NaN}')
EMPTY_BODY = Raw(b"")
TEXT_PLAIN = Raw(b'{"title": "x"}', "text/plain")
