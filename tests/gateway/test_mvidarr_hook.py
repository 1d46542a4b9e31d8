"""MVidarr's user hook (`shared_models.gateway_hooks:session_user_id`): a canary follows the
logged-in user of the shared session cookie, and a forged cookie is nobody."""

from __future__ import annotations

from pathlib import Path

from gateway.canary import in_canary
from shared_models.gateway_hooks import session_user_id
from shared_models.session_cookie import COOKIE_NAME, SessionCodec
from shared_models.settings import get_settings
from tests.gateway.conftest import write_table
from tests.gateway.inprocess import client_of, started

TABLE = """\
version: 1
default: blue
backends:
  blue: {asgi: "tests.gateway.apps:blue"}
  green: {asgi: "tests.gateway.apps:green"}
users:
  hook: "shared_models.gateway_hooks:session_user_id"
routes:
  - {path: "/items/{item_id:int}", methods: [GET], backend: green, canary: 50}
"""


def session_cookie(data: dict[str, object], secret: str | None = None) -> str:
    codec = SessionCodec(secret or get_settings().resolved_secret_key)
    return codec.dumps(data)


def test_the_hook_reads_the_user_id_of_a_valid_session_only() -> None:
    assert session_user_id({COOKIE_NAME: session_cookie({"user_id": 7})}) == "7"
    assert session_user_id({COOKIE_NAME: session_cookie({"theme": "dark"})}) is None
    assert session_user_id({COOKIE_NAME: session_cookie({"user_id": 7}, "another key")}) is None
    assert session_user_id({COOKIE_NAME: "garbage"}) is None
    assert session_user_id({}) is None


async def test_a_canary_follows_the_logged_in_user(tmp_path: Path) -> None:
    table = tmp_path / "routing_table.yaml"
    write_table(table, TABLE)
    async with started(table) as gateway, client_of(gateway) as client:
        for user in range(1, 41):
            expected = "green" if in_canary(f"user:{user}", 50) else "blue"
            # Two sessions of the same user (two browsers): the same backend.
            for extra in ({}, {"theme": "dark"}):
                cookie = f"{COOKIE_NAME}={session_cookie({'user_id': user, **extra})}"
                client.cookies.clear()
                response = await client.get("/items/1", headers={"Cookie": cookie})
                assert response.headers["x-served-by"] == expected
                assert "set-cookie" not in response.headers
        client.cookies.clear()
        forged = await client.get("/items/1", headers={"Cookie": f"{COOKIE_NAME}=forged"})
        assert forged.headers["set-cookie"].startswith("mvgate_uid=")  # treated as anonymous
