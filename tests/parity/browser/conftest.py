"""The browser journeys again, with every route on the new app: the same Chromium, the same
seeded library and the same pages, served through the gateway with a routing table whose
only backend is `new` (no WSGI app at all).

The fixtures of tests/browser are reused as they are; only `live_server` is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shared_models.settings import Settings
from tests.browser.conftest import (  # noqa: F401 - fixtures, used by name
    browser,
    page,
    problems,
    screenshot,
    seeded_database,
    ui_settings,
)
from tests.parity.backends import register, unregister
from tests.parity.servers import routing_table, serve_gateway

CONFIGURATION = "browser_all_new"


@pytest.fixture(scope="session")
def live_server(
    ui_settings: Settings,  # noqa: F811
    seeded_database: str,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """Base URL of a gateway that sends every request to the new app."""
    configuration = register(CONFIGURATION, ui_settings)
    table = routing_table("new", {"new": f'{{asgi: "{configuration.import_string("new")}"}}'})
    try:
        with serve_gateway(table, tmp_path_factory.mktemp("all-new")) as url:
            for path in ("/videos", "/api/videos/", "/static/css/app.css"):
                served_by = httpx.get(url + path).headers.get("x-served-by")
                assert served_by == "new", f"{path} was served by {served_by!r}"
            yield url
    finally:
        unregister(CONFIGURATION)
