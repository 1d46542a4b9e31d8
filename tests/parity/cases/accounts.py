"""/api/users and /api/api-keys: admin only, every method."""

from __future__ import annotations

from tests.parity.case import MALFORMED_JSON, delete, get, post, put
from tests.parity.world import USERS

IDLE = f"/api/users/{USERS['idle']}"
NEW_KEY_SECRETS = ("api_key", "key.key_prefix")
NEW_KEY_ROWS = ("api_keys.key_hash", "api_keys.key_prefix")

USERS_CASES = [
    get("/api/users/"),
    get("/api/users/", {"page": 2, "per_page": 3}),
    get("/api/users/", {"per_page": 500}),
    get("/api/users/", who="admin"),
    get("/api/users/", who="key:admin"),
    get("/api/users/", who="manager"),
    get("/api/users/", who="user"),
    get("/api/users/", who="readonly"),
    get("/api/users/", who="key:user"),
    post("/api/users/", {"username": "newbie", "password": "long enough", "role": "manager"}),
    post("/api/users/", {"username": "plain", "password": "long enough"}, note="default role"),
    post("/api/users/", {"username": "upper", "password": "long enough", "role": "READONLY"}),
    post("/api/users/", {"username": "admin", "password": "long enough"}, note="taken"),
    post("/api/users/", {"username": "x", "password": "short"}),
    post("/api/users/", {"username": "x", "password": 12345678}),
    post("/api/users/", {"username": "x", "password": "long enough", "role": "boss"}),
    post("/api/users/", {"username": "x"}),
    post("/api/users/", {"password": "long enough"}),
    post("/api/users/", {"username": "", "password": "long enough"}),
    post("/api/users/", {"username": "x", "password": "long enough", "email": "x@y"}),
    post("/api/users/", MALFORMED_JSON),
    post("/api/users/", {"username": "x", "password": "long enough"}, who="user"),
    put(IDLE, {"role": "readonly"}),
    put(IDLE, {"is_active": False}),
    put(IDLE, {"password": "another password"}),
    put(f"/api/users/{USERS['locked']}", {"is_active": True}, note="unlocks"),
    put(IDLE, {"role": "boss"}),
    put(IDLE, {"is_active": "no"}),
    put(IDLE, {"password": "short"}),
    put(IDLE, {"username": "renamed"}),
    put(IDLE, MALFORMED_JSON),
    put("/api/users/9999", {"role": "user"}),
    put(IDLE, {"role": "admin"}, who="manager"),
    delete(IDLE),
    delete(f"/api/users/{USERS['user']}", note="owns a playlist and the demo key"),
    delete(f"/api/users/{USERS['admin']}", who="admin", note="itself"),
    delete(f"/api/users/{USERS['admin']}", who="key:admin", note="a key has no account"),
    delete("/api/users/9999"),
    delete(IDLE, who="user"),
]

API_KEYS = [
    get("/api/api-keys/"),
    get("/api/api-keys/", who="user"),
    post(
        "/api/api-keys/",
        {"name": "ci", "role": "user"},
        ignore=NEW_KEY_SECRETS,
        ignore_rows=NEW_KEY_ROWS,
    ),
    post(
        "/api/api-keys/",
        {"name": "mine"},
        who="admin",
        ignore=NEW_KEY_SECRETS,
        ignore_rows=NEW_KEY_ROWS,
        note="default role, owned by the admin",
    ),
    post("/api/api-keys/", {"name": ""}),
    post("/api/api-keys/", {"name": "x", "role": "root"}),
    post("/api/api-keys/", {"role": "user"}),
    post("/api/api-keys/", {"name": "x", "expires": 3}),
    post("/api/api-keys/", MALFORMED_JSON),
    post("/api/api-keys/", {"name": "x"}, who="readonly"),
    delete("/api/api-keys/2"),
    delete("/api/api-keys/4", note="already revoked"),
    delete("/api/api-keys/9999"),
    delete("/api/api-keys/2", who="key:user"),
]

CASES = USERS_CASES + API_KEYS
