"""/api/settings: read by everyone, written by admins only."""

from __future__ import annotations

from tests.parity.case import MALFORMED_JSON, NOT_AN_OBJECT, delete, get, put

LIST = [
    get("/api/settings/"),
    get("/api/settings/", who="readonly"),
    get("/api/settings/ui_theme"),
    get("/api/settings/ui_theme", who="user"),
    get("/api/settings/no_such_key"),
    get("/api/settings/bad!key"),
    get(f"/api/settings/{'k' * 101}"),
    get("/api/settings/bulk", note="a key named bulk"),
    get("/api/settings/", setup=("no_settings",)),
]

PUT = [
    put("/api/settings/ui_theme", {"value": "light"}),
    put("/api/settings/ui_theme", {"value": "light", "description": "Changed"}),
    put("/api/settings/ui_items_per_page", {"value": 25}),
    put("/api/settings/ui_items_per_page", {"value": 2.5}),
    put("/api/settings/imvdb_enabled", {"value": False}),
    put("/api/settings/brand_new", {"value": "created"}),
    put("/api/settings/require_authentication", {"value": "yes"}),
    put("/api/settings/require_authentication", {"value": True}),
    put("/api/settings/require_authentication", {"value": "maybe"}),
    put("/api/settings/require_authentication", {"value": "on"}, setup=("no_active_admin",)),
    put("/api/settings/require_authentication", {"value": "off"}, setup=("no_active_admin",)),
    put("/api/settings/ui_theme", {"value": None}),
    put("/api/settings/ui_theme", {"value": ["dark"]}),
    put("/api/settings/ui_theme", {"value": "x" * 10_001}),
    put("/api/settings/ui_theme", {"value": "x", "description": 5}),
    put("/api/settings/ui_theme", {"value": "x", "kind": "string"}),
    put("/api/settings/ui_theme", {}),
    put("/api/settings/ui_theme", MALFORMED_JSON),
    put("/api/settings/ui_theme", NOT_AN_OBJECT),
    put("/api/settings/bad!key", {"value": "x"}),
    put("/api/settings/ui_theme", {"value": "light"}, who="user"),
    put("/api/settings/ui_theme", {"value": "light"}, who="manager"),
    put("/api/settings/ui_theme", {"value": "light"}, who="readonly", note="admin rule first"),
    put("/api/settings/ui_theme", {"value": "light"}, who="key:user"),
    put("/api/settings/ui_theme", {"value": "light"}, who="key:admin"),
    put("/api/settings/ui_theme", {"value": "light"}, who="admin", auth_required=True),
    put("/api/settings/ui_theme", {"value": "light"}, auth_required=True),
]

DELETE = [
    delete("/api/settings/ui_theme"),
    delete("/api/settings/no_such_key"),
    delete("/api/settings/bad!key"),
    delete("/api/settings/bulk", note="a key named bulk"),
    delete("/api/settings/ui_theme", who="user"),
]

BULK = [
    put("/api/settings/bulk", {"settings": {"ui_theme": "light", "ui_items_per_page": 25}}),
    put("/api/settings/bulk", {"settings": {"zeta": "z", "alpha": True}}, note="sorted answer"),
    put("/api/settings/bulk", {"settings": {"require_authentication": "off"}}),
    put(
        "/api/settings/bulk",
        {"settings": {"ui_theme": "light", "require_authentication": True}},
        setup=("no_active_admin",),
        note="all or nothing",
    ),
    put("/api/settings/bulk", {"settings": {}}),
    put("/api/settings/bulk", {"settings": []}),
    put("/api/settings/bulk", {"settings": "ui_theme=light"}),
    put("/api/settings/bulk", {"settings": {"bad key": "x"}}),
    put(
        "/api/settings/bulk", {"settings": {"ui_theme": "light", "require_authentication": "maybe"}}
    ),
    put("/api/settings/bulk", {"settings": {"ui_theme": None}}),
    put("/api/settings/bulk", {}),
    put("/api/settings/bulk", {"settings": {"a": "b"}, "extra": 1}),
    put("/api/settings/bulk", MALFORMED_JSON),
    put("/api/settings/bulk", {"settings": {"ui_theme": "light"}}, who="manager"),
]

CASES = LIST + PUT + DELETE + BULK
