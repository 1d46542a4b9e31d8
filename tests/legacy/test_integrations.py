"""/api/imvdb/search-artist and /api/musicbrainz/search-artist against the simulated APIs."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared_models.demo.catalog import get_catalog
from tests.legacy.conftest import AppFactory


@pytest.fixture
def app(make_app: AppFactory, upstream_settings: dict[str, object]) -> Flask:
    return make_app(**upstream_settings)


def test_imvdb_search(client: FlaskClient) -> None:
    wanted = get_catalog().artists[11]
    body = client.get("/api/imvdb/search-artist", query_string={"q": wanted.name}).get_json()
    assert list(body) == ["query", "results", "count"]
    assert body["results"][0]["imvdb_id"] == str(wanted.imvdb_id)
    assert body["results"][0]["in_library"] is False
    assert body["count"] == len(body["results"])


def test_musicbrainz_search(client: FlaskClient) -> None:
    wanted = get_catalog().artists[12]
    response = client.get("/api/musicbrainz/search-artist", query_string={"q": wanted.name})
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == wanted.name
    first = body["results"][0]
    assert list(first) == [
        "musicbrainz_id", "name", "sort_name", "country", "type", "disambiguation", "score",
        "tags",
    ]  # fmt: skip
    assert (first["musicbrainz_id"], first["name"], first["sort_name"]) == (
        wanted.musicbrainz_id, wanted.name, wanted.sort_name,
    )  # fmt: skip
    assert (first["country"], first["type"]) == (wanted.country, wanted.kind)
    assert set(first["tags"]) <= set(wanted.genres) and first["tags"]


@pytest.mark.parametrize("path", ["/api/imvdb/search-artist", "/api/musicbrainz/search-artist"])
def test_query_is_required(client: FlaskClient, path: str) -> None:
    for query in ("", "?q=", "?q=%20%20"):
        response = client.get(path + query)
        assert (response.status_code, response.get_json()) == (400, {"error": "q is required"})


def test_upstream_failures_are_502(make_app: AppFactory, upstreams_url: str) -> None:
    client = make_app(
        imvdb_base_url="http://127.0.0.1:9/api",
        # "?x=" swallows the API path, so the call lands on the simulator's 500.
        musicbrainz_base_url=f"{upstreams_url}/media/status/500?x=",
        upstream_timeout=2,
    ).test_client()
    imvdb = client.get("/api/imvdb/search-artist?q=x")
    assert (imvdb.status_code, imvdb.get_json()) == (502, {"error": "IMVDb request failed"})
    musicbrainz = client.get("/api/musicbrainz/search-artist?q=x")
    assert (musicbrainz.status_code, musicbrainz.get_json()) == (
        502,
        {"error": "MusicBrainz request failed"},
    )


def test_slow_upstream_times_out_as_502(make_app: AppFactory, upstreams_url: str) -> None:
    # The simulator delays this answer by 5 s; our timeout is 0.3 s.
    client = make_app(
        imvdb_base_url=f"{upstreams_url}/imvdb/api/v1?latency_ms=5000&x=", upstream_timeout=0.3
    ).test_client()
    response = client.get("/api/imvdb/search-artist?q=x")
    assert (response.status_code, response.get_json()) == (502, {"error": "IMVDb request failed"})
