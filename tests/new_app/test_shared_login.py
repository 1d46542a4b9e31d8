"""One login for both apps: the `mvidarr_session` cookie one app writes is honoured by the
other, and a logout on either one ends the session for both (as a browser that talks to
both through the gateway sees it: one cookie jar, one origin)."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest
from flask import Flask
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from legacy_flask import create_app as create_legacy_app
from legacy_flask.runtime import EXTENSION_KEY
from shared_models.demo.defaults import DEMO_USERS
from shared_models.models import AppSetting, User
from shared_models.session_cookie import COOKIE_NAME
from tests.new_app.conftest import SettingsFactory

ADMIN = next(user for user in DEMO_USERS if user.username == "admin")


class CookieJar:
    """A browser's cookie for one origin: what either app set last."""

    def __init__(self) -> None:
        self.value: str | None = None

    def absorb(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            cookie = SimpleCookie()
            cookie.load(header)
            if COOKIE_NAME in cookie:
                morsel = cookie[COOKIE_NAME]
                self.value = None if morsel["max-age"] == "0" else morsel.value

    def header(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE_NAME}={self.value}"} if self.value else {}


@pytest.fixture
def legacy(new_settings: SettingsFactory) -> Iterator[Flask]:
    """The legacy app on the same database, with the same secret."""
    app = create_legacy_app(new_settings())
    app.testing = True
    yield app
    app.extensions[EXTENSION_KEY].close()


@pytest.fixture
def login_required(library: Engine) -> Engine:
    with Session(library) as db:
        db.merge(AppSetting(key="require_authentication", value="true"))
        db.commit()
    return library


def legacy_request(legacy: Flask, jar: CookieJar, method: str, path: str, **kwargs: object):
    response = legacy.test_client(use_cookies=False).open(
        path, method=method, headers=jar.header(), **kwargs
    )
    jar.absorb(response.headers.getlist("Set-Cookie"))
    return response


async def new_request(
    client: httpx.AsyncClient, jar: CookieJar, method: str, path: str, **kwargs: object
) -> httpx.Response:
    response = await client.request(method, path, headers=jar.header(), **kwargs)
    client.cookies.clear()  # the jar above is the only cookie store
    jar.absorb(response.headers.get_list("set-cookie"))
    return response


CREDENTIALS = {"username": ADMIN.username, "password": ADMIN.password}


async def test_login_on_legacy_is_honoured_by_new_and_logout_on_new_ends_it(
    login_required: Engine, legacy: Flask, client: httpx.AsyncClient
) -> None:
    jar = CookieJar()
    assert (await new_request(client, jar, "GET", "/api/users/")).status_code == 401

    login = legacy_request(legacy, jar, "POST", "/auth/login", json=CREDENTIALS)
    assert login.status_code == 200 and jar.value

    check = await new_request(client, jar, "GET", "/auth/check")
    assert check.json()["user"]["username"] == ADMIN.username
    assert (await new_request(client, jar, "GET", "/api/users/")).status_code == 200

    logout = await new_request(client, jar, "POST", "/auth/logout")
    assert logout.status_code == 200 and jar.value is None
    assert legacy_request(legacy, jar, "GET", "/api/users/").status_code == 401
    assert (await new_request(client, jar, "GET", "/api/users/")).status_code == 401


async def test_login_on_new_is_honoured_by_legacy_and_logout_on_legacy_ends_it(
    login_required: Engine, legacy: Flask, client: httpx.AsyncClient
) -> None:
    jar = CookieJar()
    login = await new_request(client, jar, "POST", "/auth/login", json=CREDENTIALS)
    assert login.status_code == 200 and jar.value

    assert legacy_request(legacy, jar, "GET", "/api/users/").status_code == 200
    assert legacy_request(legacy, jar, "GET", "/auth/check").get_json()["authenticated"] is True

    assert legacy_request(legacy, jar, "POST", "/auth/logout").status_code == 200
    assert jar.value is None
    assert (await new_request(client, jar, "GET", "/api/users/")).status_code == 401


def attributes(set_cookie: str) -> list[str]:
    """The Set-Cookie attributes with the two that must differ (value, expiry) blanked."""
    parts = set_cookie.split("; ")
    return ["value" if i == 0 else "expires" if p.startswith("Expires=") else p
            for i, p in enumerate(parts)]  # fmt: skip


async def test_both_apps_write_the_same_set_cookie(
    library: Engine, legacy: Flask, client: httpx.AsyncClient
) -> None:
    from_legacy = legacy.test_client().post("/auth/login", json=CREDENTIALS)
    from_new = await client.post("/auth/login", json=CREDENTIALS)
    assert attributes(from_new.headers["set-cookie"]) == attributes(
        from_legacy.headers["Set-Cookie"]
    )
    assert from_new.headers["vary"] == "Cookie"
    cleared_legacy = legacy.test_client().post("/auth/logout").headers["Set-Cookie"]
    client.cookies.clear()
    cleared_new = (await client.post("/auth/logout")).headers["set-cookie"]
    assert cleared_new == cleared_legacy


async def test_a_cookie_of_a_disabled_user_is_cleared_and_refused(
    login_required: Engine, legacy: Flask, client: httpx.AsyncClient
) -> None:
    jar = CookieJar()
    legacy_request(legacy, jar, "POST", "/auth/login", json=CREDENTIALS)
    with Session(login_required) as db:
        db.execute(update(User).where(User.username == ADMIN.username).values(is_active=False))
        db.commit()
    refused = await new_request(client, jar, "GET", "/api/videos/")
    assert (refused.status_code, refused.json()) == (401, {"error": "Authentication required"})
    assert jar.value is None  # the stale cookie was cleared


async def test_pages_redirect_to_login_with_the_next_url(
    login_required: Engine, client: httpx.AsyncClient
) -> None:
    response = await client.get("/videos?q=rock&x=%2F")
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=%2Fvideos%3Fq%3Drock%26x%3D%252F"
    assert (await client.get("/login")).status_code == 200
