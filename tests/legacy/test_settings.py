"""/api/settings: the key/value store, its value rules and the all-or-nothing bulk update."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared_models.models import AppSetting, UserRole
from tests.legacy.support import add_user


def test_put_get_list_delete(client: FlaskClient) -> None:
    created = client.put("/api/settings/theme", json={"value": "dark", "description": "UI"})
    assert created.status_code == 200
    assert created.get_json() == {"key": "theme", "value": "dark", "description": "UI"}
    updated = client.put("/api/settings/theme", json={"value": "light"}).get_json()
    assert updated == {"key": "theme", "value": "light", "description": "UI"}
    client.put("/api/settings/auto_download", json={"value": True})
    client.put("/api/settings/max_results", json={"value": 25})
    listing = client.get("/api/settings/").get_json()
    assert listing["count"] == 3
    assert [(s["key"], s["value"]) for s in listing["settings"]] == [
        ("auto_download", "true"), ("max_results", "25"), ("theme", "light"),
    ]  # fmt: skip
    assert client.get("/api/settings/max_results").get_json()["value"] == "25"
    deleted = client.delete("/api/settings/theme")
    assert deleted.get_json() == {"message": "Setting deleted", "id": "theme"}
    missing = client.get("/api/settings/theme")
    assert (missing.status_code, missing.get_json()) == (404, {"error": "Setting not found"})
    assert client.delete("/api/settings/theme").status_code == 404


@pytest.mark.parametrize(
    ("path", "payload", "error"),
    [
        ("/api/settings/theme", {}, "value is required"),
        ("/api/settings/theme", {"value": ["a"]},
         "theme value must be a string, number or boolean"),
        ("/api/settings/theme", {"value": "x", "scope": "all"}, "unknown field 'scope'"),
        ("/api/settings/require_authentication", {"value": "maybe"},
         "require_authentication must be true or false"),
        ("/api/settings/bad%20key", {"value": "x"}, "invalid setting key 'bad key'"),
    ],
)  # fmt: skip
def test_put_rejects_bad_values(client: FlaskClient, path: str, payload: dict, error: str) -> None:
    response = client.put(path, json=payload)
    assert (response.status_code, response.get_json()) == (400, {"error": error})
    assert client.get("/api/settings/").get_json()["count"] == 0


def test_bulk_is_all_or_nothing(client: FlaskClient, db_engine: Engine) -> None:
    ok = client.put("/api/settings/bulk", json={"settings": {"b": 2, "a": False, "c": "x"}})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["updated"] == 3
    assert [(s["key"], s["value"]) for s in body["settings"]] == [
        ("a", "false"), ("b", "2"), ("c", "x"),
    ]  # fmt: skip
    refused = client.put("/api/settings/bulk", json={"settings": {"a": "true", "d": {"x": 1}}})
    assert refused.status_code == 400
    with Session(db_engine) as db:
        assert db.get(AppSetting, "a").value == "false"
        assert db.scalar(select(func.count()).select_from(AppSetting)) == 3
    for bad in ({}, {"settings": {}}, {"settings": [1]}):
        assert client.put("/api/settings/bulk", json=bad).status_code == 400


def test_requiring_authentication_needs_an_admin(client: FlaskClient, db_engine: Engine) -> None:
    refused = client.put("/api/settings/require_authentication", json={"value": True})
    assert (refused.status_code, refused.get_json()) == (
        409,
        {"error": "Create an active admin user before requiring authentication"},
    )
    bulk = client.put("/api/settings/bulk", json={"settings": {"require_authentication": "yes"}})
    assert bulk.status_code == 409
    add_user(db_engine, "root", UserRole.ADMIN)
    accepted = client.put("/api/settings/require_authentication", json={"value": "YES"})
    assert accepted.get_json()["value"] == "true"
    assert client.get("/auth/check").get_json()["auth_required"] is True
    assert client.get("/api/settings/").status_code == 401  # and it is in force
