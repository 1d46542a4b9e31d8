"""The machinery behind the contract that FastAPI does not give by itself: the legacy
app's answers to requests no endpoint takes (308 to the slashed URL, 405 with the whole
Allow, OPTIONS), HEAD, body limits, and the JSON error shape when things break."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from new_app import create_app
from tests.new_app.conftest import client_for, running


async def test_collection_urls_without_their_slash_redirect_like_flask(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    plain = await client.get("/api/videos?limit=5&q=a%20b")
    assert plain.status_code == 308
    assert plain.headers["location"] == "http://testserver/api/videos/?limit=5&q=a%20b"
    post = await client.post("/api/artists", json={"name": "x"})
    assert (post.status_code, post.headers["location"]) == (308, "http://testserver/api/artists/")
    merged = await client.get("/api//videos/")
    assert merged.headers["location"] == "http://testserver/api/videos/"
    # No redirect where the slashed URL does not take the method, nor for item URLs.
    assert (await client.put("/api/artists")).status_code == 404
    assert (await client.get("/api/videos/1/")).json() == {"error": "Not found"}


async def test_wrong_methods_and_options(client: httpx.AsyncClient, db_engine: Engine) -> None:
    wrong = await client.patch("/api/videos/1")
    assert (wrong.status_code, wrong.json()) == (405, {"error": "Method not allowed"})
    assert wrong.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    options = await client.options("/api/videos/1")
    assert (options.status_code, options.content) == (200, b"")
    assert options.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    login = await client.get("/auth/login")
    assert (login.status_code, login.headers["allow"]) == (405, "OPTIONS, POST")
    page = await client.post("/videos")
    assert (page.status_code, page.headers["content-type"]) == (405, "text/html; charset=utf-8")


async def test_head_answers_with_the_get_headers_only(
    client: httpx.AsyncClient, library: Engine
) -> None:
    get = await client.get("/api/videos/?limit=3")
    head = await client.head("/api/videos/?limit=3")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == "application/json"


async def test_body_limits_and_types(client: httpx.AsyncClient, library: Engine) -> None:
    too_big = await client.post(
        "/api/playlists/",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert (too_big.status_code, too_big.json()) == (413, {"error": "Request body too large"})
    as_text = await client.post("/api/playlists/", content=b'{"name": "x"}')
    assert (as_text.status_code, as_text.json()) == (
        415,
        {"error": "Content-Type must be application/json"},
    )
    nan = await client.post(
        "/api/playlists/", content=b'{"name": NaN}', headers={"content-type": "application/json"}
    )
    assert (nan.status_code, nan.json()) == (400, {"error": "Invalid JSON body"})


@pytest.mark.parametrize(
    "path", ["/api/videos/99999999999999999999", "/api/artists/18446744073709551616/videos"]
)
async def test_ids_past_64_bits_name_nothing(
    client: httpx.AsyncClient, db_engine: Engine, path: str
) -> None:
    # Both apps answer these before routing (shared_models.json_rules.has_out_of_range_id):
    # no database is asked (SQLite's driver would overflow).
    response = await client.get(path)
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})


async def test_a_database_outage_is_a_503_and_an_unhealthy_health(make_settings) -> None:
    app = create_app(make_settings(database_url="mysql://root@127.0.0.1:9/nowhere"))
    async with running(app), client_for(app) as http:
        health = await http.get("/api/health")
        assert (health.status_code, health.json()) == (
            503,
            {"status": "unhealthy", "database": "unavailable", "error": "Database unavailable"},
        )
        down = await http.get("/api/videos/")
        assert (down.status_code, down.json()) == (503, {"error": "Database unavailable"})
        page = await http.get("/videos")
        assert page.status_code == 503
        assert page.headers["content-type"] == "text/html; charset=utf-8"
