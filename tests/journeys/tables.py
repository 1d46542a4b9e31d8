"""The routing tables the journeys run under, all made from the operator's own table
(`routing_table.yaml` at the top of the project), so the journeys follow it as it grows.

- `all_legacy`: every route on `legacy` (websocket routes stay where they are: a WSGI app
  cannot take them); the `new` backend stays defined, as it does while an operator flips.
- `all_new`: the shipped table as it is.
- `canary`: every HTTP route on `new` for `percent` % of users, shadowed to the other side.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

SHIPPED_TABLE = Path(__file__).resolve().parents[2] / "routing_table.yaml"
LEGACY = "legacy"
NEW = "new"


def _load() -> dict[str, Any]:
    return YAML(typ="safe").load(SHIPPED_TABLE.read_text())


def _dump(table: dict[str, Any]) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    yaml.dump(table, out)
    return out.getvalue()


# The download queue's answers change on their own while the journey's download runs.
LIVE_JOB_ROUTES = ("/api/downloads/queue", "/api/downloads/history")
LIVE_JOB_FIELDS = ("progress", "status", "updated_at", "started_at", "completed_at", "file_size")


def _http_routes(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [route for route in table.get("routes", []) if not route.get("websocket")]


def all_legacy() -> str:
    table = _load()
    for route in _http_routes(table):
        route["backend"] = LEGACY
    return _dump(table)


def all_new() -> str:
    table = _load()
    assert table["default"] == LEGACY and all(
        route["backend"] == NEW for route in table.get("routes", [])
    ), "the shipped table no longer sends every route to new: choose the all-new table anew"
    return SHIPPED_TABLE.read_text()


def canary(percent: float) -> str:
    table = _load()
    for route in _http_routes(table):
        route.update(backend=NEW, canary=percent, shadow=True)
        if route["path"] in LIVE_JOB_ROUTES:
            # A running download moves between the answer and its shadow copy: these fields
            # differ on purpose, as docs/operations.md tells operators to declare.
            route["ignore"] = list(LIVE_JOB_FIELDS)
    # Buckets by the gateway's own cookie (no `users.hook`), so a test can place a browser
    # in or out of the canary by its cookie. Automatic rollback is the gateway suite's
    # subject; here a latency verdict on a busy test machine would move users mid-journey.
    table.pop("users", None)
    table["rollback"] = {"enabled": False}
    return _dump(table)


def routed_backends(text: str) -> set[str]:
    """The backends an HTTP route of this table names (what a test expects to see served)."""
    return {route["backend"] for route in _http_routes(YAML(typ="safe").load(text))}


def websocket_route(text: str, path: str) -> str | None:
    """The backend of the table's websocket route for `path`, if it has one."""
    for route in YAML(typ="safe").load(text).get("routes", []):
        if route.get("websocket") and route["path"] == path:
            return str(route["backend"])
    return None
