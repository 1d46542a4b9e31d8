"""The coverage guard: every `/api` and `/auth` endpoint of the legacy app, method by method
(HEAD and OPTIONS aside), has a parity case, and the new app serves it at the same path.

Endpoints are read from the apps themselves (Flask's url_map, the FastAPI app's routes), so
a new legacy endpoint without a case, or a new-app router that forgot one, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

import legacy_flask
from gateway.endpoints import Endpoint as GatewayEndpoint
from gateway.endpoints import EndpointIndex
from gateway.templates import from_werkzeug_rule, parse_template
from legacy_flask.runtime import EXTENSION_KEY
from shared_models.settings import Settings
from tests.parity.case import Case, get
from tests.parity.cases import CASES
from tests.parity.harness import HOST

GUARDED_PREFIXES = ("/api/", "/auth/")
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
_PARAMETER = re.compile(r"\{[^}]*\}")

LegacyEndpoint = tuple[str, str]  # (method, rule), e.g. ("GET", "/api/videos/<int:video_id>")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = tmp_path_factory.mktemp("coverage")
    return Settings(
        data_dir=directory, secret_key="coverage", database_url=f"sqlite:///{directory / 'db'}"
    )


@pytest.fixture(scope="module")
def legacy_app(settings: Settings) -> Iterator[Flask]:
    app = legacy_flask.create_app(settings)
    yield app
    app.extensions[EXTENSION_KEY].close()


def legacy_endpoints(app: Flask) -> list[LegacyEndpoint]:
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(GUARDED_PREFIXES)
        for method in (rule.methods or set()) - AUTOMATIC_METHODS
    )


def endpoint_of_case(app: Flask, case: Case) -> LegacyEndpoint | None:
    """The legacy endpoint this case's request reaches, if it reaches one."""
    adapter = app.url_map.bind(HOST)
    try:
        rule, _arguments = adapter.match(case.path, method=case.method, return_rule=True)
    except (RequestRedirect, HTTPException):
        return None
    return (case.method, rule.rule)


def test_the_legacy_app_has_api_endpoints(legacy_app: Flask) -> None:
    """The guard below would pass vacuously if it found no endpoints at all."""
    assert len(legacy_endpoints(legacy_app)) >= 50


def test_every_legacy_endpoint_has_a_parity_case(legacy_app: Flask) -> None:
    covered = {endpoint_of_case(legacy_app, case) for case in CASES}
    missing = [endpoint for endpoint in legacy_endpoints(legacy_app) if endpoint not in covered]
    assert not missing, "legacy endpoints without a parity case:\n" + "\n".join(
        f"  {method} {rule}" for method, rule in missing
    )


def shape(template: str) -> str:
    """A path template with its parameters anonymous: `/api/videos/{}`."""
    return _PARAMETER.sub("{}", template)


def new_app_endpoints(app: Any) -> list[GatewayEndpoint]:
    """The new app's HTTP endpoints. FastAPI (0.165 and later) keeps included routers as
    one entry each in `app.routes`; its `iter_route_contexts` walks into them (the
    gateway's `endpoints_of` reads `app.routes` only, so it would see the docs and /static
    alone)."""
    return [
        GatewayEndpoint(context.path, frozenset(context.methods), name=context.name or "")
        for context in iter_route_contexts(app.routes)
        if context.path and context.methods
    ]


def not_served(app: Any, endpoints: list[LegacyEndpoint]) -> list[str]:
    """The legacy endpoints `app` does not answer with an endpoint of the same path.

    A sample request of each (`/api/videos/1`) goes through the gateway's matcher built from
    the app's routes, with the gateway's precedence (literal segments first)."""
    index = EndpointIndex(new_app_endpoints(app))
    problems = []
    for method, rule in endpoints:
        template = from_werkzeug_rule(rule)
        found = index.http.match(method, parse_template(template).sample_path())
        if found is None:
            problems.append(f"  {method} {rule}: no endpoint")
        elif shape(found.path) != shape(template):
            # Another route takes the request: route order, or a missing literal route.
            problems.append(f"  {method} {rule}: answered by {found.path} instead")
    return problems


def test_the_new_app_serves_every_legacy_endpoint(legacy_app: Flask, settings: Settings) -> None:
    try:
        from new_app import create_app
    except ImportError as error:
        pytest.fail(f"new_app cannot be imported yet: {error}")
    problems = not_served(create_app(settings), legacy_endpoints(legacy_app))
    assert not problems, "legacy endpoints the new app does not serve:\n" + "\n".join(problems)


def test_a_missing_or_shadowed_endpoint_is_named() -> None:
    """The check above on a small app: one endpoint missing, one taken by a parameter."""
    router = APIRouter()
    router.add_api_route("/api/settings/{key}", lambda key: {}, methods=["PUT"])
    app = FastAPI()
    app.include_router(router)
    endpoints = [
        ("PUT", "/api/settings/<key>"),
        ("PUT", "/api/settings/bulk"),
        ("DELETE", "/api/settings/<key>"),
    ]
    assert not_served(app, endpoints) == [
        "  PUT /api/settings/bulk: answered by /api/settings/{key} instead",
        "  DELETE /api/settings/<key>: no endpoint",
    ]


def test_a_case_that_reaches_no_endpoint_is_not_counted(legacy_app: Flask) -> None:
    """The matching the guard relies on: a slash redirect or an unknown path covers nothing."""
    assert endpoint_of_case(legacy_app, get("/api/videos")) is None  # 308 to /api/videos/
    assert endpoint_of_case(legacy_app, get("/api/nope")) is None
    assert endpoint_of_case(legacy_app, get("/api/videos/1")) == (
        "GET",
        "/api/videos/<int:video_id>",
    )


def test_templates_compare_by_shape() -> None:
    assert shape("/api/videos/{video_id:int}/thumbnail/{size}") == "/api/videos/{}/thumbnail/{}"
    assert shape(from_werkzeug_rule("/api/settings/<key>")) == "/api/settings/{}"
