"""Thumbnails: really resized by Pillow (aspect kept), progressive JPEG, cached on disk
under MEDIA_ROOT/thumbnails, fetched once from a URL, and never read outside the root."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Video
from tests.legacy.conftest import AppFactory
from tests.legacy.support import Library


@pytest.fixture
def app(make_app: AppFactory, upstream_settings: dict[str, object]) -> Flask:
    return make_app(**upstream_settings)


def set_thumbnail(engine: Engine, video_id: int, *, path: str | None = None,
                  url: str | None = None) -> None:  # fmt: skip
    with Session(engine) as db:
        video = db.get(Video, video_id)
        video.thumbnail_path, video.thumbnail_url = path, url
        db.commit()


def jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def cached_thumbnails(media_root: Path) -> list[Path]:
    return sorted((media_root / "thumbnails").glob("*.jpg"))


@pytest.fixture
def poster(media_root: Path, sample_clips: dict[str, Path]) -> str:
    """The 1280x720 demo poster, placed in the media root; its relative path."""
    target = media_root / "posters" / "poster.jpg"
    target.parent.mkdir()
    shutil.copyfile(sample_clips["poster.jpg"], target)
    return "posters/poster.jpg"


@pytest.mark.parametrize(
    ("suffix", "size"),
    [("/small", (160, 90)), ("/medium", (320, 180)), ("/large", (640, 360)), ("", (320, 180))],
)
def test_local_thumbnail_is_resized(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    poster: str,
    suffix: str,
    size: tuple[int, int],
) -> None:
    set_thumbnail(db_engine, library.videos["anthem"], path=poster)
    response = client.get(f"/api/videos/{library.videos['anthem']}/thumbnail{suffix}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    image = jpeg(response.data)
    assert image.size == size
    assert image.info.get("progressive") or image.info.get("progression")


def test_thumbnails_are_cached_on_disk(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path, poster: str
) -> None:
    set_thumbnail(db_engine, library.videos["anthem"], path=poster)
    url = f"/api/videos/{library.videos['anthem']}/thumbnail/small"
    first = client.get(url)
    [cached] = cached_thumbnails(media_root)
    made_at = cached.stat().st_mtime_ns
    second = client.get(url)
    assert second.data == first.data == cached.read_bytes()
    assert cached.stat().st_mtime_ns == made_at  # served from the cache, not remade
    # A changed source gets a new thumbnail.
    Image.new("RGB", (200, 400), "red").save(media_root / poster, "JPEG")
    assert jpeg(client.get(url).data).size == (45, 90)
    assert len(cached_thumbnails(media_root)) == 2


def test_aspect_ratio_is_kept(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path
) -> None:
    Image.new("RGB", (400, 400), "blue").save(media_root / "square.png")
    set_thumbnail(db_engine, library.videos["anthem"], path="square.png")
    image = jpeg(client.get(f"/api/videos/{library.videos['anthem']}/thumbnail/medium").data)
    assert image.size == (180, 180)


def test_url_thumbnail_is_fetched_once(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    source = upstreams.image_url_template.format(name="video-1000001-o")  # 1280x720
    set_thumbnail(db_engine, library.videos["chorus"], url=source)
    response = client.get(f"/api/videos/{library.videos['chorus']}/thumbnail/large")
    assert response.status_code == 200
    assert jpeg(response.data).size == (640, 360)
    [original] = (media_root / "thumbnails" / "originals").iterdir()
    assert Image.open(original).size == (1280, 720)
    small = client.get(f"/api/videos/{library.videos['chorus']}/thumbnail/small")
    assert jpeg(small.data).size == (160, 90)
    assert len(list((media_root / "thumbnails" / "originals").iterdir())) == 1


def test_local_file_wins_over_url_and_missing_file_falls_back(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    poster: str,
    upstreams: UpstreamURLs,
) -> None:
    source = upstreams.image_url_template.format(name="fallback-s")  # 160x90
    video_id = library.videos["chorus"]
    set_thumbnail(db_engine, video_id, path=poster, url=source)
    assert jpeg(client.get(f"/api/videos/{video_id}/thumbnail/large").data).size == (640, 360)
    set_thumbnail(db_engine, video_id, path="posters/missing.jpg", url=source)
    # The 160x90 source is never enlarged.
    assert jpeg(client.get(f"/api/videos/{video_id}/thumbnail/large").data).size == (160, 90)


def test_artist_thumbnail(
    client: FlaskClient, library: Library, db_engine: Engine, upstreams: UpstreamURLs
) -> None:
    artist_id = library.artists["alpha"]
    missing = client.get(f"/api/artists/{artist_id}/thumbnail")
    assert (missing.status_code, missing.get_json()) == (404, {"error": "Thumbnail not found"})
    with Session(db_engine) as db:
        db.get(Artist, artist_id).thumbnail_url = upstreams.image_url_template.format(
            name="artist-1000-l"
        )
        db.commit()
    response = client.get(f"/api/artists/{artist_id}/thumbnail")
    assert response.status_code == 200
    assert jpeg(response.data).size == (320, 180)
    assert client.get("/api/artists/999999/thumbnail").get_json() == {"error": "Artist not found"}


def test_errors(
    client: FlaskClient, library: Library, db_engine: Engine, poster: str, upstreams: UpstreamURLs
) -> None:
    video_id = library.videos["anthem"]
    none = client.get(f"/api/videos/{video_id}/thumbnail")
    assert (none.status_code, none.get_json()) == (404, {"error": "Thumbnail not found"})
    set_thumbnail(db_engine, video_id, path=poster)
    huge = client.get(f"/api/videos/{video_id}/thumbnail/huge")
    assert (huge.status_code, huge.get_json()) == (400, {"error": "invalid thumbnail size 'huge'"})
    assert client.get("/api/videos/999999/thumbnail").get_json() == {"error": "Video not found"}
    set_thumbnail(db_engine, video_id, url=f"{upstreams.root}/media/status/500")
    failed = client.get(f"/api/videos/{video_id}/thumbnail")
    assert (failed.status_code, failed.get_json()) == (502, {"error": "Thumbnail download failed"})


def test_url_that_is_not_an_image_is_a_502_and_not_cached(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    upstreams: UpstreamURLs,
) -> None:
    video_id = library.videos["anthem"]
    set_thumbnail(db_engine, video_id, url=f"{upstreams.root}/media/status/200")  # JSON
    response = client.get(f"/api/videos/{video_id}/thumbnail")
    assert response.status_code == 502
    assert list((media_root / "thumbnails" / "originals").iterdir()) == []


def test_private_hosts_are_refused_unless_allowed(
    make_app: AppFactory, library: Library, db_engine: Engine, upstreams: UpstreamURLs
) -> None:
    client = make_app(allow_private_download_hosts=False).test_client()
    video_id = library.videos["anthem"]
    set_thumbnail(db_engine, video_id, url=upstreams.image_url_template.format(name="x-s"))
    response = client.get(f"/api/videos/{video_id}/thumbnail")
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "Downloads from private or loopback hosts are not allowed"},
    )


@pytest.mark.parametrize("path", ["../secret.jpg", "/tmp/../etc/secret.jpg", "a/../../secret.jpg"])
def test_thumbnail_never_leaves_the_media_root(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path, path: str
) -> None:
    Image.new("RGB", (64, 64), "green").save(media_root.parent / "secret.jpg")
    set_thumbnail(db_engine, library.videos["anthem"], path=path)
    response = client.get(f"/api/videos/{library.videos['anthem']}/thumbnail")
    assert response.status_code == 400
    assert response.get_json() == {"error": "File path is outside the media root"}
    assert cached_thumbnails(media_root) == []


def test_absolute_path_inside_the_root_is_fine(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path, poster: str
) -> None:
    set_thumbnail(db_engine, library.videos["anthem"], path=str(media_root / poster))
    response = client.get(f"/api/videos/{library.videos['anthem']}/thumbnail/small")
    assert response.status_code == 200
