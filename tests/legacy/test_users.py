"""/api/users and /api/api-keys (admin only): accounts and integration keys."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.models import ApiKey, User, UserRole, utcnow
from shared_models.security import hash_api_key, verify_password
from tests.legacy.support import add_user, login, require_authentication

USER_KEYS = [
    "id", "username", "role", "is_active", "failed_login_attempts", "locked_until",
    "last_login", "created_at",
]  # fmt: skip


def test_create_list_update_delete(client: FlaskClient, db_engine: Engine) -> None:
    created = client.post(
        "/api/users/", json={"username": "ada", "password": "analytical", "role": "Manager"}
    )
    assert created.status_code == 201
    user = created.get_json()
    assert list(user) == USER_KEYS
    assert (user["username"], user["role"], user["is_active"]) == ("ada", "manager", True)
    client.post("/api/users/", json={"username": "bob", "password": "builder123"})
    listing = client.get("/api/users/?per_page=1").get_json()
    assert [u["username"] for u in listing["users"]] == ["ada"]
    assert (listing["total"], listing["pages"]) == (2, 2)
    assert "password_hash" not in listing["users"][0]

    url = f"/api/users/{user['id']}"
    updated = client.put(url, json={"role": "readonly", "password": "difference"}).get_json()
    assert updated["role"] == "readonly"
    with Session(db_engine) as db:
        assert verify_password("difference", db.get(User, user["id"]).password_hash)
    assert client.delete(url).get_json() == {"message": "User deleted", "id": user["id"]}
    assert client.delete(url).get_json() == {"error": "User not found"}
    assert client.put(url, json={"role": "user"}).status_code == 404


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"password": "long enough"}, "username is required"),
        ({"username": "x"}, "password is required"),
        ({"username": "x", "password": "short"}, "password must be at least 8 characters"),
        ({"username": "x", "password": "long enough", "role": "root"}, "invalid role 'root'"),
        ({"username": "x", "password": "long enough", "admin": True}, "unknown field 'admin'"),
    ],
)
def test_create_rejects_bad_bodies(client: FlaskClient, payload: dict, error: str) -> None:
    response = client.post("/api/users/", json=payload)
    assert (response.status_code, response.get_json()) == (400, {"error": error})


def test_taken_username_is_a_conflict(client: FlaskClient, db_engine: Engine) -> None:
    add_user(db_engine, "ada", UserRole.USER)
    response = client.post("/api/users/", json={"username": "ada", "password": "long enough"})
    assert (response.status_code, response.get_json()) == (
        409,
        {"error": "Username already exists"},
    )


def test_setting_is_active_unlocks(client: FlaskClient, db_engine: Engine) -> None:
    user_id = add_user(db_engine, "ada", UserRole.USER)
    with Session(db_engine) as db:
        user = db.get(User, user_id)
        user.failed_login_attempts, user.locked_until = 5, utcnow()
        db.commit()
    body = client.put(f"/api/users/{user_id}", json={"is_active": True}).get_json()
    assert (body["failed_login_attempts"], body["locked_until"]) == (0, None)
    bad = client.put(f"/api/users/{user_id}", json={"is_active": "yes"})
    assert bad.get_json() == {"error": "is_active must be true or false"}


def test_an_admin_cannot_delete_itself(client: FlaskClient, db_engine: Engine) -> None:
    admin_id = add_user(db_engine, "root", UserRole.ADMIN)
    other_id = add_user(db_engine, "other", UserRole.ADMIN)
    require_authentication(db_engine)
    login(client, "root")
    response = client.delete(f"/api/users/{admin_id}")
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "You cannot delete your own account"},
    )
    assert client.delete(f"/api/users/{other_id}").status_code == 200


def test_api_keys_are_shown_once_and_stored_hashed(client: FlaskClient, db_engine: Engine) -> None:
    response = client.post("/api/api-keys/", json={"name": "Home Assistant", "role": "user"})
    assert response.status_code == 201
    body = response.get_json()
    secret, key = body["api_key"], body["key"]
    assert list(key) == [
        "id", "name", "key_prefix", "role", "user_id", "is_active", "last_used_at", "created_at",
    ]  # fmt: skip
    assert (key["name"], key["role"], key["is_active"]) == ("Home Assistant", "user", True)
    assert secret.startswith(key["key_prefix"])
    with Session(db_engine) as db:
        stored = db.get(ApiKey, key["id"])
        assert stored.key_hash == hash_api_key(secret) != secret
    listing = client.get("/api/api-keys/").get_json()
    assert listing["count"] == 1
    assert secret not in str(listing)
    # Revoke a second key; then, with logins required, only the first one opens the API.
    other = client.post("/api/api-keys/", json={"name": "old"}).get_json()
    assert other["key"]["role"] == "readonly"
    revoked = client.delete(f"/api/api-keys/{other['key']['id']}")
    assert revoked.get_json() == {"message": "API key revoked", "id": other["key"]["id"]}
    add_user(db_engine, "root", UserRole.ADMIN)
    require_authentication(db_engine)
    assert client.get("/api/videos/", headers={"X-Api-Key": secret}).status_code == 200
    assert client.get("/api/videos/", headers={"X-Api-Key": other["api_key"]}).status_code == 401


def test_api_key_errors(client: FlaskClient) -> None:
    assert client.post("/api/api-keys/", json={}).get_json() == {"error": "name is required"}
    bad_role = client.post("/api/api-keys/", json={"name": "x", "role": "god"})
    assert bad_role.get_json() == {"error": "invalid role 'god'"}
    assert client.delete("/api/api-keys/999999").get_json() == {"error": "API key not found"}
