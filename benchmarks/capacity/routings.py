"""The deployments compared, and the routing table each one serves.

Every gateway routing is derived from the shipped `routing_table.yaml`, so all of them
carry the same routes (the same matching work per request) and differ only in where the
routes lead. Each also gets the loop-lag probe (`probe.py`) as one more backend and route.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PROBE_BACKEND = "probe"
PROBE_SPEC = {"asgi": "benchmarks.capacity.probe:create_app"}
PROBE_ROUTE = {"path": "/_bench/loop-lag", "methods": ["GET"], "backend": PROBE_BACKEND}


@dataclass(frozen=True)
class Routing:
    name: str
    summary: str
    server: str  # "gateway" (mvgate serve) or "gunicorn" (the Flask app alone)
    serves_new: bool  # new_app is loaded (and job workers matter)


ROUTINGS = {
    routing.name: routing
    for routing in (
        Routing(
            "all-legacy",
            "the gateway with every route sent to the legacy Flask app (before the move)",
            "gateway",
            serves_new=False,
        ),
        Routing(
            "all-new",
            "the gateway with the shipped routing table: every route on the async app, "
            "Flask still mounted as the default",
            "gateway",
            serves_new=True,
        ),
        Routing(
            "new-only",
            "the gateway with every route on the async app and no Flask backend at all "
            "(the end state)",
            "gateway",
            serves_new=True,
        ),
        Routing(
            "legacy-gunicorn",
            "the Flask app alone under gunicorn (gthread), as it was deployed before the "
            "gateway existed",
            "gunicorn",
            serves_new=False,
        ),
    )
}


def _yaml() -> YAML:
    yaml = YAML()
    yaml.default_flow_style = None
    return yaml


def derive_table(routing: str, shipped: dict[str, Any]) -> dict[str, Any]:
    """The table for `routing`, built from the shipped one (left unchanged)."""
    table = {key: value for key, value in shipped.items() if key != "routes"}
    routes = [dict(route) for route in shipped.get("routes", [])]
    backends = dict(shipped["backends"])
    if routing == "all-legacy":
        # Flask has no websockets: the legacy app never had those routes.
        routes = [route for route in routes if not route.get("websocket")]
        for route in routes:
            route["backend"] = "legacy"
        backends = {"legacy": backends["legacy"]}
        table["default"] = "legacy"
    elif routing == "new-only":
        backends = {"new": backends["new"]}
        table["default"] = "new"
    elif routing != "all-new":
        raise ValueError(f"{routing!r} is not a gateway routing")
    backends[PROBE_BACKEND] = PROBE_SPEC
    table["backends"] = backends
    table["routes"] = [*routes, PROBE_ROUTE]
    return table


def write_table(routing: str, shipped_path: Path, out: Path) -> Path:
    shipped = _yaml().load(shipped_path.read_text())
    text = StringIO()
    _yaml().dump(derive_table(routing, shipped), text)
    out.write_text(f"# {routing}: {ROUTINGS[routing].summary}\n" + text.getvalue())
    return out
