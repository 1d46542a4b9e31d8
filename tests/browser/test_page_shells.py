"""The pages as HTTP sees them: every page is a shell that loads its script, ids come from
the URL, and static files are cacheable for good only under their current versioned URL."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from legacy_flask import create_app
from legacy_flask.pages import assets

PAGES = {
    "/": "dashboard",
    "/artists": "artists",
    "/artist/12": "artist",
    "/videos": "videos",
    "/video/34": "video",
    "/playlists": "playlists",
    "/playlist/56": "playlist",
    "/downloads": "downloads",
    "/settings": "settings",
    "/login": "login",
    "/account": "account",
}


@pytest.fixture
def app(make_settings, sqlite_database_url: str) -> Flask:
    return create_app(make_settings(database_url=sqlite_database_url))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize(("path", "page"), PAGES.items())
def test_page_is_a_shell_that_loads_its_module(client: FlaskClient, path: str, page: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    assert f'data-page="{page}"' in html
    assert f'src="{assets.url(f"js/{page}.js")}"' in html
    assert '<script type="importmap">' in html
    page_id = re.search(r"/(\d+)$", path)
    if page_id:
        assert f'-id="{page_id[1]}"' in html


@pytest.mark.parametrize("path", ["/video/abc", "/artist/-1", "/playlist/1.5", "/video/"])
def test_page_ids_must_be_numbers(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_versioned_static_url_is_cached_for_good(client: FlaskClient) -> None:
    answer = client.get(assets.url("js/api.js"))
    assert answer.status_code == 200
    assert answer.cache_control.max_age == 365 * 24 * 3600
    assert answer.cache_control.public
    assert answer.cache_control.immutable
    assert not answer.cache_control.no_cache


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v="])
def test_unversioned_or_outdated_static_url_is_revalidated(client: FlaskClient, query: str) -> None:
    answer = client.get(f"/static/js/api.js{query}")
    assert answer.status_code == 200
    assert answer.cache_control.no_cache
    assert answer.cache_control.max_age is None


def test_static_files_stay_inside_the_static_folder(client: FlaskClient) -> None:
    for path in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/..%2fpages.py"):
        assert client.get(path).status_code == 404
