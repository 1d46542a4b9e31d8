"""/openapi.json documents every endpoint of the legacy app's API, each with its answer."""

from __future__ import annotations

import re

import httpx
from flask import Flask
from sqlalchemy import Engine

from legacy_flask import create_app as create_legacy_app
from legacy_flask.runtime import EXTENSION_KEY
from tests.new_app.conftest import SettingsFactory

LEGACY_ENDPOINT_COUNT = 56
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def legacy_operations(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI-style path) of every /api and /auth rule of the legacy app."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api", "/auth")):
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations.add((method.lower(), path))
    return operations


async def test_every_legacy_endpoint_is_documented_with_its_answer(
    client: httpx.AsyncClient, db_engine: Engine, new_settings: SettingsFactory
) -> None:
    legacy = create_legacy_app(new_settings())
    try:
        expected = legacy_operations(legacy)
    finally:
        legacy.extensions[EXTENSION_KEY].close()
    assert len(expected) == LEGACY_ENDPOINT_COUNT

    document = (await client.get("/openapi.json")).json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == expected

    for method, path in expected:
        operation = document["paths"][path][method]
        success = [
            answer for status, answer in operation["responses"].items() if status.startswith("2")
        ]
        assert success, (method, path)
        for answer in success:
            content = answer.get("content", {})
            json_schema = content.get("application/json", {}).get("schema")
            # JSON answers name a model; media answers (stream, thumbnails) their types.
            assert json_schema or any(key.startswith(("video/", "image/")) for key in content), (
                method,
                path,
            )
            assert json_schema != {}, (method, path)


async def test_the_docs_page_is_served(client: httpx.AsyncClient, db_engine: Engine) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "/openapi.json" in response.text
