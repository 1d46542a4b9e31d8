"""/api/artists: list, CRUD, an artist's videos, IMVDb discovery and import."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared_models.demo.catalog import get_catalog
from shared_models.models import Artist, Video
from tests.legacy.conftest import AppFactory
from tests.legacy.support import Library

ARTIST_KEYS = [
    "id", "name", "imvdb_id", "musicbrainz_id", "genres", "monitored", "auto_download",
    "folder_path", "thumbnail_url", "video_count", "created_at", "updated_at",
]  # fmt: skip


@pytest.fixture
def app(make_app: AppFactory, upstream_settings: dict[str, object]) -> Flask:
    return make_app(**upstream_settings)


def names(body: dict) -> list[str]:
    return [artist["name"] for artist in body["artists"]]


def test_list_with_video_counts_and_page_paging(client: FlaskClient, library: Library) -> None:
    body = client.get("/api/artists/").get_json()
    assert list(body) == ["artists", "count", "total", "page", "per_page", "pages"]
    assert names(body) == ["Alpha Band", "Beta Singer", "Gamma Trio"]
    assert [a["video_count"] for a in body["artists"]] == [2, 4, 0]
    assert list(body["artists"][0]) == ARTIST_KEYS
    assert (body["count"], body["total"], body["page"], body["per_page"], body["pages"]) == (
        3, 3, 1, 50, 1,
    )  # fmt: skip
    second = client.get("/api/artists/?per_page=2&page=2").get_json()
    assert (names(second), second["pages"], second["count"]) == (["Gamma Trio"], 2, 1)
    beyond = client.get("/api/artists/?per_page=2&page=9").get_json()
    assert (beyond["artists"], beyond["total"]) == ([], 3)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=video_count&order=desc", ["Beta Singer", "Alpha Band", "Gamma Trio"]),
        ("sort=name&order=desc", ["Gamma Trio", "Beta Singer", "Alpha Band"]),
        ("monitored=true", ["Alpha Band"]),
        ("monitored=0", ["Beta Singer", "Gamma Trio"]),
        ("search=TRIO", ["Gamma Trio"]),
        ("search=%25", []),
    ],
)
def test_list_sorts_and_filters(
    client: FlaskClient, library: Library, query: str, expected: list[str]
) -> None:
    assert names(client.get(f"/api/artists/?{query}").get_json()) == expected


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("page=0", "page must be a positive integer"),
        ("page=x", "page must be a positive integer"),
        ("per_page=201", "per_page must be an integer between 1 and 200"),
        ("monitored=perhaps", "monitored must be true or false"),
        ("sort=age", "invalid sort 'age'"),
    ],
)
def test_list_rejects_bad_parameters(client: FlaskClient, query: str, error: str) -> None:
    response = client.get(f"/api/artists/?{query}")
    assert (response.status_code, response.get_json()) == (400, {"error": error})


def test_create_get_update_delete(client: FlaskClient, db_engine: Engine) -> None:
    created = client.post(
        "/api/artists/",
        json={"name": "  Delta Duo ", "imvdb_id": 77, "genres": ["jazz"], "monitored": True,
              "folder_path": "delta/duo", "thumbnail_url": "https://img.example/d.jpg"},
    )  # fmt: skip
    assert created.status_code == 201
    artist = created.get_json()
    assert (artist["name"], artist["imvdb_id"], artist["folder_path"]) == (
        "Delta Duo", "77", "delta/duo",
    )  # fmt: skip
    assert (artist["monitored"], artist["auto_download"], artist["video_count"]) == (True, False, 0)
    url = f"/api/artists/{artist['id']}"
    assert client.get(url).get_json() == artist
    updated = client.put(url, json={"monitored": False, "genres": []}).get_json()
    assert (updated["monitored"], updated["genres"], updated["name"]) == (False, [], "Delta Duo")
    assert client.delete(url).get_json() == {"message": "Artist deleted", "id": artist["id"]}
    assert client.get(url).status_code == 404
    with Session(db_engine) as db:
        assert db.scalar(select(func.count(Artist.id))) == 0


def test_delete_removes_the_artists_videos(
    client: FlaskClient, library: Library, db_engine: Engine
) -> None:
    assert client.delete(f"/api/artists/{library.artists['beta']}").status_code == 200
    with Session(db_engine) as db:
        assert db.scalar(select(func.count(Video.id))) == 2


def test_duplicate_imvdb_id_is_a_conflict(client: FlaskClient, library: Library) -> None:
    response = client.post("/api/artists/", json={"name": "Copycat", "imvdb_id": "9001"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "An artist with this IMVDb id already exists"}
    update = client.put(f"/api/artists/{library.artists['beta']}", json={"imvdb_id": "9001"})
    assert update.status_code == 409
    same = client.put(f"/api/artists/{library.artists['alpha']}", json={"imvdb_id": "9001"})
    assert same.status_code == 200


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, "name is required"),
        ({"name": "   "}, "name must not be empty"),
        ({"name": "X", "monitored": "yes"}, "monitored must be true or false"),
        ({"name": "X", "folder_path": "../elsewhere"},
         "folder_path must be a relative path inside the media root"),
        ({"name": "X", "folder_path": "/etc"},
         "folder_path must be a relative path inside the media root"),
        ({"name": "X", "thumbnail_url": "file:///etc/passwd"},
         "thumbnail_url must be an http or https URL"),
        ({"name": "X", "bio": "..."}, "unknown field 'bio'"),
    ],
)  # fmt: skip
def test_create_rejects_bad_fields(
    client: FlaskClient, db_engine: Engine, payload: dict, error: str
) -> None:
    response = client.post("/api/artists/", json=payload)
    assert (response.status_code, response.get_json()) == (400, {"error": error})
    with Session(db_engine) as db:
        assert db.scalar(select(func.count(Artist.id))) == 0


def test_unknown_artist(client: FlaskClient) -> None:
    for method in ("get", "put", "delete"):
        response = getattr(client, method)("/api/artists/424242", json={"name": "x"})
        assert (response.status_code, response.get_json()) == (404, {"error": "Artist not found"})
    assert client.get("/api/artists/424242/videos").status_code == 404


def test_artist_videos(client: FlaskClient, library: Library) -> None:
    body = client.get(f"/api/artists/{library.artists['beta']}/videos?limit=2").get_json()
    assert list(body) == ["artist", "videos", "count", "total", "offset", "limit"]
    assert body["artist"]["name"] == "Beta Singer"
    assert [v["title"] for v in body["videos"]] == ["Chorus", "Dance 100%"]
    assert (body["count"], body["total"], body["limit"]) == (2, 4, 2)
    failed = client.get(f"/api/artists/{library.artists['beta']}/videos?status=failed").get_json()
    assert [v["title"] for v in failed["videos"]] == ["Dance 100%"]
    bad = client.get(f"/api/artists/{library.artists['beta']}/videos?status=x")
    assert bad.status_code == 400


def test_discover_searches_imvdb_and_marks_the_library(
    client: FlaskClient, db_engine: Engine
) -> None:
    wanted = get_catalog().artists[3]
    with Session(db_engine) as db:
        db.add(Artist(name=wanted.name, imvdb_id=str(wanted.imvdb_id)))
        db.commit()
    response = client.get("/api/artists/discover", query_string={"q": wanted.name})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["query"], body["count"]) == (wanted.name, len(body["results"]))
    first = body["results"][0]
    assert list(first) == ["imvdb_id", "name", "slug", "url", "image_url", "video_count",
                           "in_library"]  # fmt: skip
    assert (first["imvdb_id"], first["name"], first["in_library"]) == (
        str(wanted.imvdb_id), wanted.name, True,
    )  # fmt: skip
    assert first["video_count"] == wanted.video_count
    assert first["image_url"].startswith("http")
    assert not any(r["in_library"] for r in body["results"][1:])
    missing = client.get("/api/artists/discover?q=")
    assert (missing.status_code, missing.get_json()) == (400, {"error": "q is required"})


def test_import_from_imvdb(client: FlaskClient, db_engine: Engine) -> None:
    wanted = get_catalog().artists[5]
    response = client.post(
        "/api/artists/import-from-imvdb", json={"imvdb_id": wanted.imvdb_id, "monitored": True}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["videos_imported"] == wanted.video_count
    artist = body["artist"]
    assert (artist["name"], artist["imvdb_id"], artist["monitored"]) == (
        wanted.name, str(wanted.imvdb_id), True,
    )  # fmt: skip
    assert artist["video_count"] == wanted.video_count
    catalog_titles = sorted(v.title for v in get_catalog().videos_of(wanted))
    videos = client.get(f"/api/artists/{artist['id']}/videos?limit=500").get_json()
    assert sorted(v["title"] for v in videos["videos"]) == catalog_titles
    assert all(v["status"] == "WANTED" and v["imvdb_id"] for v in videos["videos"])

    again = client.post("/api/artists/import-from-imvdb", json={"imvdb_id": str(wanted.imvdb_id)})
    assert again.status_code == 409


def test_import_without_videos_and_errors(client: FlaskClient, db_engine: Engine) -> None:
    wanted = get_catalog().artists[6]
    response = client.post(
        "/api/artists/import-from-imvdb",
        json={"imvdb_id": wanted.imvdb_id, "import_videos": False},
    )
    assert response.get_json()["videos_imported"] == 0
    unknown = client.post("/api/artists/import-from-imvdb", json={"imvdb_id": 99999999})
    assert (unknown.status_code, unknown.get_json()) == (
        404,
        {"error": "Artist not found on IMVDb"},
    )
    odd = client.post("/api/artists/import-from-imvdb", json={"imvdb_id": "../1"})
    assert odd.get_json() == {"error": "imvdb_id must be a numeric IMVDb id"}
    assert client.post("/api/artists/import-from-imvdb", json={}).status_code == 400
    with Session(db_engine) as db:
        assert db.scalar(select(func.count(Artist.id))) == 1


def test_imvdb_down_is_a_502(make_app: AppFactory, upstreams_url: str) -> None:
    # Nothing listens on port 9 (discard): connection refused.
    down = make_app(imvdb_base_url="http://127.0.0.1:9/imvdb", upstream_timeout=2).test_client()
    response = down.get("/api/artists/discover?q=x")
    assert (response.status_code, response.get_json()) == (502, {"error": "IMVDb request failed"})
    # "?x=" swallows the API path, so every IMVDb call lands on the simulator's 503.
    failing = make_app(imvdb_base_url=f"{upstreams_url}/media/status/503?x=").test_client()
    assert failing.get("/api/artists/discover?q=x").status_code == 502
