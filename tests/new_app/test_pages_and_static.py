"""The browser UI from the async app: the same pages as the legacy app (byte for byte),
/static with ETag and the legacy cache rule (a year, immutable, only for the current
versioned URL), and gzip for text but never for media."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask
from sqlalchemy import Engine

from legacy_flask import create_app as create_legacy_app
from legacy_flask.runtime import EXTENSION_KEY
from tests.new_app.conftest import SettingsFactory
from web_ui import STATIC_ROOT, StaticAssets

PAGES = ["/", "/artists", "/artist/3", "/videos", "/video/7", "/playlists", "/playlist/2",
         "/downloads", "/settings", "/login", "/account"]  # fmt: skip
YEAR_IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def legacy(new_settings: SettingsFactory) -> Iterator[Flask]:
    app = create_legacy_app(new_settings())
    yield app
    app.extensions[EXTENSION_KEY].close()


@pytest.mark.parametrize("path", PAGES)
async def test_pages_are_the_legacy_pages(
    client: httpx.AsyncClient, legacy: Flask, db_engine: Engine, path: str
) -> None:
    new = await client.get(path)
    old = legacy.test_client().get(path)
    assert (new.status_code, new.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert new.text == old.get_data(as_text=True)


async def test_unknown_pages_are_mvidarrs_own_404_page(
    client: httpx.AsyncClient, db_engine: Engine, legacy: Flask
) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<h1 id="error-title">Page not found</h1>' in response.text
    assert 'class="site-nav"' in response.text  # the product's layout, with its nav
    assert response.text == legacy.test_client().get("/no-such-page").get_data(as_text=True)


async def test_current_versioned_static_urls_are_cached_for_a_year(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    assets = StaticAssets(STATIC_ROOT)
    versioned = await client.get(assets.url("css/app.css"))
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == YEAR_IMMUTABLE
    assert versioned.headers["content-type"].startswith("text/css")
    assert versioned.content == (Path(STATIC_ROOT) / "css/app.css").read_bytes()

    plain = await client.get("/static/css/app.css")
    assert plain.headers["cache-control"] == "no-cache"
    outdated = await client.get("/static/css/app.css?v=000000000000")
    assert outdated.headers["cache-control"] == "no-cache"

    revalidated = await client.get(
        "/static/css/app.css", headers={"If-None-Match": plain.headers["etag"]}
    )
    assert revalidated.status_code == 304
    missing = await client.get("/static/css/nothing.css")
    assert missing.status_code == 404


async def test_text_is_gzipped_media_is_not(
    client: httpx.AsyncClient, library: Engine, media_root: Path
) -> None:
    gzip = {"Accept-Encoding": "gzip"}
    css = await client.get("/static/css/app.css", headers=gzip)
    assert css.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in css.headers["vary"]
    assert css.content == (Path(STATIC_ROOT) / "css/app.css").read_bytes()  # decoded by httpx

    listing = await client.get("/api/videos/?limit=50", headers=gzip)
    assert listing.headers["content-encoding"] == "gzip"
    assert len(listing.json()["videos"]) == 16

    videos = listing.json()["videos"]
    with_file = next(video for video in videos if video["local_path"])
    stream = await client.get(f"/api/videos/{with_file['id']}/stream", headers=gzip)
    assert stream.status_code == 200
    assert "content-encoding" not in stream.headers
    assert stream.content == (media_root / with_file["local_path"]).read_bytes()
