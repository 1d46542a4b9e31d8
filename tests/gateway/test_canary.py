"""Sticky canary: `canary: N` sends N% of users to the route's backend, the same users every
time, in every gateway process; raising N only moves users towards the route's backend."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from gateway.canary import bucket_of, in_canary
from gateway.cookies import cookie_value
from tests.gateway.conftest import ServerProcess, mvgate, write_table
from tests.gateway.inprocess import client_of, started

USERS = 5000


def canary_table(percent: float, hook: bool = False) -> str:
    users = '\nusers:\n  hook: "tests.gateway.cutover_apps:user_of"\n' if hook else "\n"
    return f"""\
version: 1
default: blue
backends:
  blue: {{asgi: "tests.gateway.apps:blue"}}
  green: {{asgi: "tests.gateway.apps:green"}}{users}routes:
  - path: /items/{{item_id:int}}
    methods: [GET]
    backend: green
    canary: {percent}
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, canary_table(25))
    return path


async def served_by(client: httpx.AsyncClient, cookie: str | None = None) -> httpx.Response:
    client.cookies.clear()  # each request carries exactly the cookies the test gives it
    headers = {"Cookie": cookie} if cookie else {}
    return await client.get("/items/7", headers=headers)


def user_cookie(response: httpx.Response) -> str:
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0]  # "mvgate_uid=<hex>"


async def test_share_stickiness_and_monotony_over_5000_users(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        first: dict[str, str] = {}
        for _ in range(USERS):
            response = await served_by(client)
            assert response.status_code == 200
            first[user_cookie(response)] = response.headers["x-served-by"]
        assert len(first) == USERS  # every new client got a user cookie of its own
        share = sum(backend == "green" for backend in first.values()) / USERS * 100
        assert 22 <= share <= 28, share

        # Sticky: the same user lands on the same backend, and is not given a new cookie.
        for cookie, backend in first.items():
            again = await served_by(client, cookie)
            assert again.headers["x-served-by"] == backend
            assert "set-cookie" not in again.headers

        # Monotone: at 60%, everyone who had green keeps it; only blue users move.
        write_table(table, canary_table(60))
        assert (await gateway.live.reload("test")).result == "ok"
        moved = 0
        after: dict[str, str] = {}
        for cookie, backend in first.items():
            after[cookie] = (await served_by(client, cookie)).headers["x-served-by"]
            if backend == "green":
                assert after[cookie] == "green", cookie
            moved += backend == "blue" and after[cookie] == "green"
        share = sum(backend == "green" for backend in after.values()) / USERS * 100
        assert 57 <= share <= 63, share
        assert moved > 0


async def test_the_cookie_is_first_party_long_lived_and_secure_over_https(table: Path) -> None:
    async with started(table) as gateway:
        async with client_of(gateway) as client:
            plain = (await served_by(client)).headers["set-cookie"]
        async with client_of(gateway, base_url="https://gw") as client:
            secure = (await served_by(client)).headers["set-cookie"]
    attributes = [part.strip() for part in plain.split(";")]
    assert attributes[0].startswith("mvgate_uid=")
    assert "Max-Age=34560000" in attributes and "Path=/" in attributes
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes
    assert "Secure" not in attributes
    assert "Secure" in [part.strip() for part in secure.split(";")]


async def test_a_logged_in_user_is_bucketed_by_the_hooks_user_id(table: Path) -> None:
    write_table(table, canary_table(50, hook=True))
    async with started(table) as gateway, client_of(gateway) as client:
        for number in range(200):
            user = f"user-{number}"
            expected = "green" if in_canary(f"user:{user}", 50) else "blue"
            # Whatever the gateway cookie says, the user id decides (same user, any device).
            for device in (None, "mvgate_uid=" + "ab" * 16, "mvgate_uid=" + "cd" * 16):
                cookie = f"login={user}" + (f"; {device}" if device else "")
                response = await served_by(client, cookie)
                assert response.headers["x-served-by"] == expected
                assert "set-cookie" not in response.headers  # logged in: no cookie needed


async def test_a_forged_cookie_value_gets_a_fresh_cookie(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        response = await served_by(client, "mvgate_uid=not-one-of-ours")
        assert user_cookie(response) != "mvgate_uid=not-one-of-ours"


async def test_routes_without_a_canary_set_no_cookie(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        response = await client.get("/hello")
        assert response.status_code == 200 and "set-cookie" not in response.headers


def test_the_bucket_is_a_stable_hash_pinned_across_releases() -> None:
    # Pinned values: a change of the hash would move users between backends on upgrade
    # (stickiness across restarts means across releases of the gateway too).
    keys = ["user:0", "user:1", "user:42", "cookie:" + "00" * 16]
    assert [bucket_of(key) for key in keys] == [6324, 5762, 9355, 9528]
    assert all(0 <= bucket_of(f"cookie:{n}") < 10_000 for n in range(1000))
    assert not in_canary("user:anyone", 0) and in_canary("user:anyone", 100)
    assert in_canary("user:42", 93.56) and not in_canary("user:42", 93.55)


def test_two_gateway_processes_put_every_user_in_the_same_bucket(
    table: Path, tmp_path: Path
) -> None:
    """Two real server processes (other hash seeds, other memory): the same answer for each
    of 1,000 users, including users whose cookie the other process minted."""
    args = mvgate("serve", "--routes", str(table), "--port", "0", "--no-watch", "--no-access-log")
    env = {"PYTHONHASHSEED": "random"}
    with (
        ServerProcess(args, tmp_path / "a.log", env) as first,
        ServerProcess(args, tmp_path / "b.log", env) as second,
        httpx.Client(base_url=first.url) as a,
        httpx.Client(base_url=second.url) as b,
    ):
        assert first.pid != second.pid
        cookies = [f"mvgate_uid={os.urandom(16).hex()}" for _ in range(900)]
        for _ in range(100):  # users whose cookie the first process minted
            a.cookies.clear()
            cookies.append(a.get("/items/1").headers["set-cookie"].split(";", 1)[0])
        greens = 0
        for cookie in cookies:
            a.cookies.clear()
            b.cookies.clear()
            on_a = a.get("/items/1", headers={"Cookie": cookie}).headers["x-served-by"]
            on_b = b.get("/items/1", headers={"Cookie": cookie}).headers["x-served-by"]
            assert on_a == on_b, cookie
            greens += on_a == "green"
        assert 0 < greens < len(cookies)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (b"theme=dark; mvgate_uid=abc", "abc"),
        (b"mvgate_uid=abc", "abc"),
        (b"old_mvgate_uid=zzz; mvgate_uid=abc;x=1", "abc"),  # a whole name only
        (b"old_mvgate_uid=zzz", None),
        (b"a=1;mvgate_uid= abc ;b=2", "abc"),
        (b"mvgate_uid", None),
        (b"x=mvgate_uid=1", None),  # inside another cookie's value
    ],
)
def test_one_cookie_is_found_in_the_header(header: bytes, value: str | None) -> None:
    assert cookie_value([(b"accept", b"*/*"), (b"cookie", header)], b"mvgate_uid") == value
