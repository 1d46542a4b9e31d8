"""Fixtures for the legacy Flask app: an app per test on the parametrized database
(SQLite and MariaDB), its test client, and a small library."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from legacy_flask import create_app
from legacy_flask.runtime import EXTENSION_KEY, Runtime
from tests.legacy.support import Library, build_library

AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(database_url: str, db_engine: Engine, make_settings) -> Iterator[AppFactory]:
    """Build apps on this test's (emptied) database; each is shut down after the test."""
    apps: list[Flask] = []

    def build(**overrides: object) -> Flask:
        app = create_app(make_settings(database_url=database_url, **overrides))
        app.testing = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        runtime(app).close()


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def library(db_engine: Engine) -> Library:
    return build_library(db_engine)


def runtime(app: Flask) -> Runtime:
    return app.extensions[EXTENSION_KEY]
