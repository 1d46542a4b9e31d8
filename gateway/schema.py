"""The routing table's schema: what `routing_table.yaml` may contain, as typed models.

These models check each value on its own (types, ranges, path syntax). Checks that relate
several parts of the table (a route naming an unknown backend, duplicate routes, a websocket
route to a WSGI backend) live in `gateway.validation`, which reports them with line numbers.

The cutover controls' keys (`overrides`, `users`, `shadow`, `rollback`, `rate_limit` at the
top; `canary`, `shadow`, `ignore`, `rollback`, `rate_limit` on routes) are modelled here too;
`gateway.live_table.route_entry` resolves a route's settings against the table's.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from gateway.jsonpaths import parse_ignore
from gateway.templates import PathTemplate, TemplateError, parse_template

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
IMPORT_STRING = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
BACKEND_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _import_string(value: str) -> str:
    if not IMPORT_STRING.match(value):
        raise ValueError(f"{value!r} is not an import string like 'package.module:attribute'")
    return value


class Admitted(Model):
    """The admission bound every backend kind may have: at most `max_in_flight` requests
    at once; a request that finds it full waits up to `queue_timeout` seconds for a place,
    then is answered 503 with Retry-After (so past capacity the admitted requests keep
    their latency instead of every request slowing down)."""

    max_in_flight: int | None = Field(default=None, ge=1, le=100_000)
    queue_timeout: float = Field(default=0.1, ge=0, le=30)


class WsgiBackend(Admitted):
    """A WSGI app (or a factory returning one), run on its own bounded thread pool."""

    wsgi: str
    threads: int = Field(default=32, ge=1, le=1024)
    factory: bool | None = Field(
        default=None, description="Call the imported object to get the app; default: guess."
    )

    @field_validator("wsgi")
    @classmethod
    def _import_string(cls, value: str) -> str:
        return _import_string(value)

    @property
    def target(self) -> str:
        return self.wsgi


class AsgiBackend(Admitted):
    """An ASGI app (or a factory returning one), whose lifespan the gateway runs."""

    asgi: str
    factory: bool | None = None
    lifespan: Literal["auto", "on", "off"] = "auto"

    @field_validator("asgi")
    @classmethod
    def _import_string(cls, value: str) -> str:
        return _import_string(value)

    @property
    def target(self) -> str:
        return self.asgi


class UrlBackend(Admitted):
    """Another process, reached through a streaming HTTP proxy."""

    url: str
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_connections: int = Field(default=100, ge=1)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value):
            raise ValueError(f"{value!r} is not an http:// or https:// URL without query")
        return value.rstrip("/")

    @property
    def target(self) -> str:
        return self.url


def _backend_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for kind in ("wsgi", "asgi", "url"):
            if kind in value:
                return kind
    return None


BackendSpec = Annotated[
    Annotated[WsgiBackend, Tag("wsgi")]
    | Annotated[AsgiBackend, Tag("asgi")]
    | Annotated[UrlBackend, Tag("url")],
    Discriminator(
        _backend_kind,
        custom_error_type="backend_kind",
        custom_error_message="a backend needs one of the keys wsgi:, asgi: or url:",
    ),
]


class Overrides(Model):
    """Lets a request pick its backend (for testers), by header or cookie."""

    header: str | None = None
    cookie: str | None = None

    @field_validator("header", "cookie")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None and not HEADER_NAME.match(value):
            raise ValueError(f"{value!r} is not a valid header or cookie name")
        return value


Percent = Annotated[float, Field(ge=0, le=100)]


class Users(Model):
    """How the gateway tells users apart, for canary buckets (and `rate_limit: {key: user}`).

    The user key is what `hook` returns for the request (say, the user id of a logged-in
    session) or, without one, the gateway's own long-lived first-party cookie."""

    hook: str | None = Field(
        default=None,
        description="Import string of a function (cookies: Mapping[str, str]) -> user id | None.",
    )
    cookie: str = "mvgate_uid"
    max_age: int = Field(default=400 * 24 * 3600, ge=60, description="Cookie lifetime, seconds.")

    @field_validator("hook")
    @classmethod
    def _hook(cls, value: str | None) -> str | None:
        return None if value is None else _import_string(value)

    @field_validator("cookie")
    @classmethod
    def _cookie(cls, value: str) -> str:
        if not HEADER_NAME.match(value):
            raise ValueError(f"{value!r} is not a valid cookie name")
        return value


class ShadowSettings(Model):
    """Table-wide limits of shadow traffic (routes say which requests are shadowed)."""

    max_in_flight: int = Field(default=8, ge=1, le=1024)
    noise_sample: Percent = 10
    max_body_bytes: int = Field(default=1024 * 1024, ge=0, le=64 * 1024 * 1024)
    timeout: float = Field(default=10.0, gt=0, le=600)
    samples: int = Field(default=20, ge=0, le=1000)


class Rollback(Model):
    """Automatic rollback thresholds; every key left out is inherited (route <- table <-
    built-in default, see `gateway.rollback.thresholds_for`)."""

    enabled: bool | None = None
    window: float | None = Field(default=None, ge=1, le=3600)
    min_requests: int | None = Field(default=None, ge=1)
    error_percent: Percent | None = None
    latency_factor: float | None = Field(default=None, ge=1)
    latency_floor_ms: float | None = Field(default=None, ge=0)


class RateLimit(Model):
    """A token bucket per client: `rate` requests per second, bursts of `burst`."""

    rate: float = Field(gt=0, le=1_000_000)
    burst: int | None = Field(default=None, ge=1, le=10_000_000)
    key: Literal["ip", "user"] = "ip"

    @property
    def capacity(self) -> int:
        return self.burst if self.burst is not None else max(1, math.ceil(self.rate))


def _rate_limit_kind(value: Any) -> str | None:
    if value is False:
        return "off"
    if isinstance(value, dict | RateLimit):
        return "limits"
    return None


# A route's `rate_limit:` is its own bucket, or `false`: exempt from the table's.
RouteRateLimit = Annotated[
    Annotated[RateLimit, Tag("limits")] | Annotated[Literal[False], Tag("off")],
    Discriminator(
        _rate_limit_kind,
        custom_error_type="rate_limit",
        custom_error_message="rate_limit is a mapping {rate:, burst:, key:} or false",
    ),
]


class Route(Model):
    path: str
    methods: tuple[str, ...] | None = Field(
        default=None, description="HTTP methods; absent means every method."
    )
    websocket: bool = False
    backend: str
    canary: Percent | None = None
    shadow: bool | Percent = False
    ignore: tuple[str, ...] = ()
    rollback: Rollback | None = None
    rate_limit: RouteRateLimit | None = None

    @field_validator("rollback", mode="before")
    @classmethod
    def _rollback_switch(cls, value: Any) -> Any:
        """`rollback: false` turns it off for the route; `true` keeps the table's."""
        if value is False:
            return {"enabled": False}
        if value is True:
            return {}
        return value

    @field_validator("ignore")
    @classmethod
    def _ignore(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                parse_ignore(item)
            except ValueError as error:
                raise ValueError(f"ignore {item!r}: {error}") from None
        return value

    @field_validator("path")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            parse_template(value)
        except TemplateError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("methods must not be empty (leave it out for every method)")
        upper = tuple(method.upper() for method in value)
        unknown = [method for method in upper if method not in HTTP_METHODS]
        if unknown:
            raise ValueError(
                f"unknown method {', '.join(unknown)} (known: {', '.join(HTTP_METHODS)})"
            )
        if len(set(upper)) != len(upper):
            raise ValueError("a method is listed twice")
        return upper

    @property
    def template(self) -> PathTemplate:
        return parse_template(self.path)

    def allows(self, method: str) -> bool:
        """HEAD follows GET, as in Flask and Starlette."""
        if self.methods is None:
            return True
        return method in self.methods or (method == "HEAD" and "GET" in self.methods)

    def describe(self) -> str:
        if self.websocket:
            return f"WEBSOCKET {self.path}"
        return f"{','.join(self.methods) if self.methods else '*'} {self.path}"


class RoutingTable(Model):
    version: Literal[1]
    default: str
    backends: dict[str, BackendSpec] = Field(min_length=1)
    overrides: Overrides | None = None
    users: Users = Users()
    shadow: ShadowSettings = ShadowSettings()
    rollback: Rollback = Rollback()
    rate_limit: RateLimit | None = None
    routes: tuple[Route, ...] = ()

    @field_validator("backends")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not BACKEND_NAME.match(name):
                raise ValueError(
                    f"backend name {name!r}: use letters, digits, '-' and '_', "
                    "starting with a letter"
                )
        return value
