"""/auth: login (JSON or form), logout, who am I; and the credentials every /api request
may carry (cookies, API keys, the login requirement)."""

from __future__ import annotations

from tests.parity.case import EMPTY_BODY, MALFORMED_JSON, TEXT_PLAIN, Form, get, post, put
from tests.parity.world import PASSWORD, VIDEO_MONITORED

ADMIN_LOGIN = {"username": "admin", "password": "mvidarr-admin"}

LOGIN = [
    post("/auth/login", ADMIN_LOGIN),
    post("/auth/login", {"username": "  admin  ", "password": "mvidarr-admin"}),
    post("/auth/login", Form(ADMIN_LOGIN), note="form post"),
    post("/auth/login", ADMIN_LOGIN, auth_required=True),
    post("/auth/login", ADMIN_LOGIN, who="user", note="replaces another login"),
    post("/auth/login", {"username": "readonly", "password": "mvidarr-readonly"}),
    post("/auth/login", {"username": "admin", "password": "wrong"}),
    post("/auth/login", {"username": "nobody", "password": "wrong"}),
    post("/auth/login", {"username": "disabled", "password": PASSWORD}),
    post("/auth/login", {"username": "disabled", "password": "wrong"}),
    post("/auth/login", {"username": "locked", "password": PASSWORD}),
    post("/auth/login", {"username": "almost", "password": "wrong"}, note="fifth failure locks"),
    post("/auth/login", {"username": "almost", "password": PASSWORD}, note="resets the count"),
    post("/auth/login", {"username": "expired", "password": "wrong"}, note="lock ran out"),
    post("/auth/login", {"username": "expired", "password": PASSWORD}, note="lock ran out"),
    post("/auth/login", {**ADMIN_LOGIN, "remember": True}, note="unknown field"),
    post("/auth/login", {"username": "admin"}),
    post("/auth/login", {"username": "admin", "password": ""}),
    post("/auth/login", {"username": "   ", "password": "x"}),
    post("/auth/login", {"username": 5, "password": "x"}),
    post("/auth/login", MALFORMED_JSON),
    post("/auth/login", EMPTY_BODY),
    post("/auth/login", TEXT_PLAIN),
    post("/auth/login", Form({"username": "admin"}), note="form without password"),
    get("/auth/login", note="POST only"),
]

SESSION = [
    post("/auth/logout"),
    post("/auth/logout", who="admin"),
    post("/auth/logout", who="admin", auth_required=True),
    get("/auth/check"),
    get("/auth/check", who="admin"),
    get("/auth/check", who="readonly", auth_required=True),
    get("/auth/check", who="disabled", note="cookie cleared"),
    get("/auth/check", who="ghost", note="cookie cleared"),
    get("/auth/check", who="forged"),
    get("/auth/check", auth_required=True),
    get("/auth/check", who="key:user", note="keys are for /api only"),
    get("/auth/check", setup=("no_settings",), note="no settings at all"),
    post("/auth/check", note="GET only"),
    get("/auth/nope"),
]

CREDENTIALS = [
    get("/api/videos/", {"limit": 1}, auth_required=True),
    get("/api/videos/", {"limit": 1}, who="user", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="readonly", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="disabled", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="ghost", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="forged", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="key:user", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="key:readonly", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="key:revoked", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="key:unknown", auth_required=True),
    get("/api/videos/", {"limit": 1}, who="key:unknown", note="bad key, login not required"),
    get("/api/videos/", {"limit": 1}, who="key:revoked"),
    get("/api/videos/", {"limit": 1}, who="disabled", note="cookie cleared, acts as admin"),
    get("/api/videos/", {"limit": 1}, who="forged"),
    put(f"/api/videos/{VIDEO_MONITORED}", {"year": 2000}, who="manager", auth_required=True),
    put(f"/api/videos/{VIDEO_MONITORED}", {"year": 2000}, who="readonly", auth_required=True),
    put(f"/api/videos/{VIDEO_MONITORED}", {"year": 2000}, who="key:readonly"),
    get("/api/users/", who="key:readonly", auth_required=True),
    get("/api/nope", auth_required=True, note="checked before routing"),
    post("/api/nope", who="readonly", note="checked before routing"),
    get("/api/health", auth_required=True),
    get("/api/health/version", who="key:unknown", note="health ignores keys"),
]

NEW_PASSWORD = "a-brand-new-password"
CHANGE = {"current_password": "mvidarr-user", "new_password": NEW_PASSWORD}

OWN_PASSWORD = [
    post("/auth/password", CHANGE, who="user"),
    post("/auth/password", CHANGE, who="user", auth_required=True),
    post(
        "/auth/password",
        {"current_password": "mvidarr-readonly", "new_password": NEW_PASSWORD},
        who="readonly",
        note="readonly may change its own password",
    ),
    post("/auth/password", {**CHANGE, "current_password": "wrong"}, who="user"),
    post("/auth/password", {**CHANGE, "new_password": "short"}, who="user"),
    post("/auth/password", {**CHANGE, "new_password": 12345678}, who="user"),
    post("/auth/password", {**CHANGE, "current_password": ""}, who="user"),
    post("/auth/password", {"current_password": "mvidarr-user"}, who="user"),
    post("/auth/password", {"new_password": NEW_PASSWORD}, who="user"),
    post("/auth/password", {**CHANGE, "confirm": NEW_PASSWORD}, who="user", note="unknown field"),
    post("/auth/password", MALFORMED_JSON, who="user"),
    post("/auth/password", EMPTY_BODY, who="user"),
    post("/auth/password", CHANGE, note="not logged in"),
    post("/auth/password", CHANGE, auth_required=True, note="not logged in"),
    post("/auth/password", CHANGE, who="key:user", note="an API key is not a session"),
    post("/auth/password", CHANGE, who="disabled"),
    post("/auth/password", CHANGE, who="ghost"),
    get("/auth/password", note="POST only"),
]

CASES = LOGIN + SESSION + CREDENTIALS + OWN_PASSWORD
