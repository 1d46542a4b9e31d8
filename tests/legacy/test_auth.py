"""Login, logout, the shared session cookie, lockout, and the access rules: required
authentication, roles, API keys (SQLite and MariaDB)."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.models import ApiKey, User, UserRole, utcnow
from shared_models.session_cookie import COOKIE_NAME, MAX_AGE_SECONDS, SessionCodec
from tests.legacy.support import (
    PASSWORD,
    Library,
    add_api_key,
    add_user,
    login,
    require_authentication,
)

SECRET = "test-secret-key"  # make_settings' SECRET_KEY


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE_NAME)
    return cookie.value if cookie else None


def test_login_sets_the_shared_cookie(client: FlaskClient, db_engine: Engine) -> None:
    user_id = add_user(db_engine, "ada", UserRole.MANAGER)
    response = client.post("/auth/login", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "Login successful",
        "user": {"id": user_id, "username": "ada", "role": "manager"},
    }
    [set_cookie] = response.headers.getlist("Set-Cookie")
    morsel = SimpleCookie(set_cookie)[COOKIE_NAME]
    assert (morsel["path"], morsel["samesite"], morsel["max-age"]) == (
        "/", "Lax", str(MAX_AGE_SECONDS),
    )  # fmt: skip
    assert morsel["httponly"]
    # The other app reads the same cookie with the shared codec.
    assert SessionCodec(SECRET).loads(morsel.value) == {"user_id": user_id}
    check = client.get("/auth/check").get_json()
    assert check == {
        "authenticated": True,
        "user": {"id": user_id, "username": "ada", "role": "manager"},
        "auth_required": False,
    }
    with Session(db_engine) as db:
        assert db.get(User, user_id).last_login is not None


def test_a_cookie_written_by_the_other_app_logs_in_here(
    client: FlaskClient, db_engine: Engine
) -> None:
    user_id = add_user(db_engine, "grace", UserRole.READONLY)
    require_authentication(db_engine)
    client.set_cookie(COOKIE_NAME, SessionCodec(SECRET).dumps({"user_id": user_id}))
    assert client.get("/api/videos/").status_code == 200
    assert client.get("/auth/check").get_json()["user"]["username"] == "grace"
    forged = SessionCodec("another-secret").dumps({"user_id": user_id})
    client.set_cookie(COOKIE_NAME, forged)
    assert client.get("/api/videos/").status_code == 401


def test_login_with_a_form(client: FlaskClient, db_engine: Engine) -> None:
    add_user(db_engine, "form", UserRole.USER)
    response = client.post("/auth/login", data={"username": "form", "password": PASSWORD})
    assert response.status_code == 200
    assert session_cookie(client)


@pytest.mark.parametrize(
    "payload",
    [{}, {"username": "ada"}, {"password": "x"}, {"username": 1, "password": "x"},
     {"username": " ", "password": "x"}],
)  # fmt: skip
def test_login_needs_both_fields(client: FlaskClient, payload: dict) -> None:
    response = client.post("/auth/login", json=payload)
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "username and password are required"},
    )


def test_wrong_password_unknown_user_and_disabled_account(
    client: FlaskClient, db_engine: Engine
) -> None:
    add_user(db_engine, "ada", UserRole.USER)
    add_user(db_engine, "gone", UserRole.USER, active=False)
    invalid = {"error": "Invalid username or password"}
    wrong = client.post("/auth/login", json={"username": "ada", "password": "nope-nope"})
    assert (wrong.status_code, wrong.get_json()) == (401, invalid)
    nobody = client.post("/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert (nobody.status_code, nobody.get_json()) == (401, invalid)
    disabled = client.post("/auth/login", json={"username": "gone", "password": PASSWORD})
    assert (disabled.status_code, disabled.get_json()) == (403, {"error": "Account disabled"})
    assert session_cookie(client) is None


def test_five_failures_lock_the_account(client: FlaskClient, db_engine: Engine) -> None:
    user_id = add_user(db_engine, "ada", UserRole.USER)
    bad = {"username": "ada", "password": "wrong-password"}
    for _ in range(5):
        assert client.post("/auth/login", json=bad).status_code == 401
    locked = client.post("/auth/login", json={"username": "ada", "password": PASSWORD})
    assert (locked.status_code, locked.get_json()) == (
        423,
        {"error": "Account locked, try again later"},
    )
    # When the lock has run out, the right password works and resets the count.
    with Session(db_engine) as db:
        db.get(User, user_id).locked_until = utcnow() - timedelta(seconds=1)
        db.commit()
    login(client, "ada")
    with Session(db_engine) as db:
        user = db.get(User, user_id)
        assert (user.failed_login_attempts, user.locked_until) == (0, None)


def test_success_resets_the_failure_count(client: FlaskClient, db_engine: Engine) -> None:
    user_id = add_user(db_engine, "ada", UserRole.USER)
    for _ in range(4):
        client.post("/auth/login", json={"username": "ada", "password": "wrong-password"})
    login(client, "ada")
    for _ in range(4):
        client.post("/auth/login", json={"username": "ada", "password": "wrong-password"})
    with Session(db_engine) as db:
        assert db.get(User, user_id).failed_login_attempts == 4  # not locked


def test_logout_clears_the_cookie(client: FlaskClient, db_engine: Engine) -> None:
    add_user(db_engine, "ada", UserRole.USER)
    login(client, "ada")
    response = client.post("/auth/logout")
    assert response.get_json() == {"message": "Logged out"}
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert session_cookie(client) is None
    assert client.get("/auth/check").get_json()["authenticated"] is False


def test_deactivated_user_loses_the_session(client: FlaskClient, db_engine: Engine) -> None:
    user_id = add_user(db_engine, "ada", UserRole.ADMIN)
    login(client, "ada")
    require_authentication(db_engine)
    assert client.get("/api/settings/").status_code == 200
    with Session(db_engine) as db:
        db.get(User, user_id).is_active = False
        db.commit()
    assert client.get("/api/settings/").status_code == 401


class TestRequiredAuthentication:
    @pytest.fixture(autouse=True)
    def required(self, db_engine: Engine) -> None:
        require_authentication(db_engine)

    def test_api_answers_401(self, client: FlaskClient, library: Library) -> None:
        for path in ("/api/videos/", f"/api/videos/{library.videos['anthem']}", "/api/nowhere"):
            response = client.get(path)
            assert (response.status_code, response.get_json()) == (
                401,
                {"error": "Authentication required"},
            )
        assert client.post("/api/playlists/", json={"name": "x"}).status_code == 401

    def test_pages_redirect_to_login(self, client: FlaskClient) -> None:
        response = client.get("/videos?q=rock&page=2")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=%2Fvideos%3Fq%3Drock%26page%3D2"
        assert client.get("/").headers["Location"] == "/login?next=%2F"

    def test_open_paths(self, client: FlaskClient) -> None:
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/health/version").status_code == 200
        assert client.get("/login").status_code == 200
        assert client.get("/auth/check").get_json()["auth_required"] is True
        assert client.get("/static/css/app.css").status_code == 200

    def test_login_opens_everything(
        self, client: FlaskClient, db_engine: Engine, library: Library
    ) -> None:
        add_user(db_engine, "ada", UserRole.USER)
        login(client, "ada")
        assert client.get("/api/videos/").status_code == 200
        assert client.get("/videos").status_code == 200

    def test_api_keys(self, client: FlaskClient, db_engine: Engine) -> None:
        key = add_api_key(db_engine, UserRole.USER)
        ok = client.get("/api/videos/", headers={"X-Api-Key": key})
        assert ok.status_code == 200
        wrong = client.get("/api/videos/", headers={"X-Api-Key": key + "x"})
        assert (wrong.status_code, wrong.get_json()) == (401, {"error": "Invalid API key"})
        with Session(db_engine) as db:
            api_key = db.query(ApiKey).one()
            assert api_key.last_used_at is not None
            api_key.is_active = False
            db.commit()
        revoked = client.get("/api/videos/", headers={"X-Api-Key": key})
        assert (revoked.status_code, revoked.get_json()) == (401, {"error": "Invalid API key"})


def test_a_wrong_api_key_is_refused_even_in_single_user_mode(client: FlaskClient) -> None:
    response = client.get("/api/videos/", headers={"X-Api-Key": "mvk_not-a-key"})
    assert (response.status_code, response.get_json()) == (401, {"error": "Invalid API key"})


@pytest.fixture
def as_role(app: Flask, db_engine: Engine):
    """A test client logged in (session cookie) with the given role."""

    def client_for(role: UserRole) -> FlaskClient:
        client = app.test_client()
        add_user(db_engine, f"{role}-user", role)
        login(client, f"{role}-user")
        return client

    return client_for


WRITE_REQUESTS = [
    ("post", "/api/playlists/", {"name": "p"}),
    ("put", "/api/videos/{anthem}", {"year": 2001}),
    ("post", "/api/videos/bulk/status", {"video_ids": [1], "status": "WANTED"}),
]
ADMIN_REQUESTS = [
    ("put", "/api/settings/theme", {"value": "dark"}),
    ("delete", "/api/settings/theme", None),
    ("put", "/api/settings/bulk", {"settings": {"theme": "dark"}}),
    ("get", "/api/users/", None),
    ("post", "/api/users/", {"username": "new", "password": "long enough"}),
    ("get", "/api/api-keys/", None),
]


def call(client: FlaskClient, method: str, path: str, body: dict | None, library: Library):
    return getattr(client, method)(path.format(**library.videos), json=body)


@pytest.mark.parametrize("role", [UserRole.READONLY, UserRole.USER, UserRole.MANAGER])
def test_admin_only_endpoints(as_role, library: Library, role: UserRole) -> None:
    client = as_role(role)
    for method, path, body in ADMIN_REQUESTS:
        response = call(client, method, path, body, library)
        assert (response.status_code, response.get_json()) == (
            403,
            {"error": "Admin role required"},
        ), path
    assert client.get("/api/settings/").status_code == 200  # reading settings is fine


def test_admin_may_do_everything(as_role, library: Library) -> None:
    client = as_role(UserRole.ADMIN)
    for method, path, body in WRITE_REQUESTS + ADMIN_REQUESTS:
        response = call(client, method, path, body, library)
        assert response.status_code < 400, (path, response.get_json())


def test_readonly_only_reads(as_role, library: Library) -> None:
    client = as_role(UserRole.READONLY)
    assert client.get("/api/videos/").status_code == 200
    assert client.head("/api/videos/").status_code == 200
    for method, path, body in WRITE_REQUESTS:
        response = call(client, method, path, body, library)
        assert (response.status_code, response.get_json()) == (
            403,
            {"error": "Insufficient permissions"},
        ), path


@pytest.mark.parametrize("role", [UserRole.USER, UserRole.MANAGER])
def test_users_and_managers_write(as_role, library: Library, role: UserRole) -> None:
    client = as_role(role)
    for method, path, body in WRITE_REQUESTS:
        assert call(client, method, path, body, library).status_code < 400, path


def test_api_keys_act_with_their_role(client: FlaskClient, db_engine: Engine) -> None:
    readonly = {"X-Api-Key": add_api_key(db_engine, UserRole.READONLY)}
    admin = {"X-Api-Key": add_api_key(db_engine, UserRole.ADMIN)}
    assert client.get("/api/videos/", headers=readonly).status_code == 200
    refused = client.post("/api/playlists/", json={"name": "p"}, headers=readonly)
    assert refused.get_json() == {"error": "Insufficient permissions"}
    assert client.put("/api/settings/a", json={"value": "1"}, headers=admin).status_code == 200


def test_single_user_mode_acts_as_admin(client: FlaskClient) -> None:
    assert client.put("/api/settings/theme", json={"value": "dark"}).status_code == 200
    assert client.get("/api/users/").status_code == 200
