"""The routing table's schema: what `routing_table.yaml` may contain, as typed models.

These models check each value on its own (types, ranges, path syntax). Checks that relate
several parts of the table (a route naming an unknown backend, duplicate routes, a websocket
route to a WSGI backend) live in `gateway.validation`, which reports them with line numbers.

`overrides`, `canary`, `shadow` and `ignore` are accepted and checked here so that tables
written for the cutover controls stay valid; the dispatch pipeline does not act on them yet.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

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


class WsgiBackend(Model):
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


class AsgiBackend(Model):
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


class UrlBackend(Model):
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
