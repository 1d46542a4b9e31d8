"""`GET /_gateway/`: a page a person reads, behind the same guard as the rest of the admin
surface, with no external asset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.gateway.conftest import write_table
from tests.gateway.inprocess import client_of, started
from tests.gateway.test_shadow import settled

TABLE = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.cutover_apps:create_legacy", threads: 4}
  new: {asgi: "tests.gateway.cutover_apps:create_new"}
overrides: {header: X-Mvgate-Backend}
rollback: {min_requests: 3}
routes:
  - {path: /flaky, methods: [GET], backend: new}
  - {path: /known, methods: [GET], backend: new, canary: 25, shadow: true}
  - {path: /hello, methods: [GET], backend: legacy}
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, TABLE)
    return path


async def test_the_dashboard_shows_routes_traffic_diffs_and_rollbacks(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(4):
            await client.get("/flaky", params={"fail": "1"})
            await client.get("/known", headers={"Cookie": "mvgate_uid=" + "77" * 16})
        await client.get("/nowhere")
        await settled(gateway)
        page = await client.get("/_gateway/")
        redirect = await client.get("/_gateway", follow_redirects=False)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-served-by"] == "gateway"
    html = page.text
    assert "<code>GET /known</code>" in html and "25% of users" in html
    assert "all GET/HEAD" in html  # shadow
    assert "Rolled back:" in html and "mvgate routes --clear /flaky" in html
    assert "new <b>4</b>" in html  # requests by backend
    assert "100.0%" in html  # the 5xx share of new on /flaky
    assert re.search(r"diff \d+", html)  # shadow outcome counts of /known
    assert "header <code>X-Mvgate-Backend</code>" in html
    assert "no route" in html
    # Self-contained: nothing fetched from elsewhere, no script at all.
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert redirect.status_code in (307, 308) and redirect.headers["location"].endswith(
        "/_gateway/"
    )


async def test_the_dashboard_is_admin_protected(table: Path) -> None:
    async with started(table, admin_token="s3cret") as gateway, client_of(gateway) as client:
        assert (await client.get("/_gateway/")).status_code == 401
        allowed = await client.get("/_gateway/", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200
    async with started(table) as gateway, client_of(gateway, "203.0.113.5") as remote:
        assert (await remote.get("/_gateway/")).status_code == 403
