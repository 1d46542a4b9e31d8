"""POST /api/videos/<id>/refresh-metadata: IMVDb lookup by id, else by search."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.demo.catalog import get_catalog
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Video
from tests.legacy.conftest import AppFactory


@pytest.fixture
def app(make_app: AppFactory, upstream_settings: dict[str, object]) -> Flask:
    return make_app(**upstream_settings)


def add_video(engine: Engine, artist_name: str, title: str, imvdb_id: str | None) -> int:
    with Session(engine) as db:
        video = Video(artist=Artist(name=artist_name), title=title, imvdb_id=imvdb_id, genres=[])
        db.add(video)
        db.commit()
        return video.id


def test_refresh_by_imvdb_id(
    client: FlaskClient, db_engine: Engine, upstreams: UpstreamURLs
) -> None:
    wanted = get_catalog().videos_of(get_catalog().artists[2])[0]
    video_id = add_video(db_engine, "Someone", "Old title", str(wanted.imvdb_id))
    response = client.post(f"/api/videos/{video_id}/refresh-metadata")
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "Metadata refreshed"
    video = body["video"]
    assert (video["year"], video["description"], video["genres"]) == (
        wanted.year, wanted.description, list(wanted.genres),
    )  # fmt: skip
    assert video["youtube_id"] == wanted.youtube_id
    assert video["youtube_url"] == upstreams.video_url_template.format(youtube_id=wanted.youtube_id)
    assert video["thumbnail_url"].startswith(upstreams.root)
    assert video["title"] == "Old title"  # the title is ours, not IMVDb's


def test_refresh_by_search_keeps_an_existing_url(client: FlaskClient, db_engine: Engine) -> None:
    artist = get_catalog().artists[4]
    wanted = get_catalog().videos_of(artist)[1]
    video_id = add_video(db_engine, artist.name, wanted.title.upper(), None)
    with Session(db_engine) as db:
        db.get(Video, video_id).youtube_url = "https://example.com/mine"
        db.commit()
    body = client.post(f"/api/videos/{video_id}/refresh-metadata").get_json()
    assert body["video"]["imvdb_id"] == str(wanted.imvdb_id)
    assert body["video"]["youtube_url"] == "https://example.com/mine"


def test_not_on_imvdb(client: FlaskClient, db_engine: Engine) -> None:
    video_id = add_video(db_engine, "Nobody Known", "Unheard Song", "999999999")
    response = client.post(f"/api/videos/{video_id}/refresh-metadata")
    assert (response.status_code, response.get_json()) == (
        404,
        {"error": "Video not found on IMVDb"},
    )
    missing = client.post("/api/videos/999999/refresh-metadata")
    assert missing.get_json() == {"error": "Video not found"}


def test_imvdb_down(make_app: AppFactory, db_engine: Engine) -> None:
    client = make_app(imvdb_base_url="http://127.0.0.1:9/api", upstream_timeout=2).test_client()
    video_id = add_video(db_engine, "A", "B", "1000001")
    response = client.post(f"/api/videos/{video_id}/refresh-metadata")
    assert (response.status_code, response.get_json()) == (502, {"error": "IMVDb request failed"})
    with Session(db_engine) as db:
        assert db.get(Video, video_id).year is None  # nothing changed
