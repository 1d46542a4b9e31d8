"""Thumbnails on the async app: resized by Pillow in a worker thread to the contract's
boxes (aspect kept, never enlarged), progressive JPEG, cached on disk in the legacy app's
layout (so both apps share one cache), a URL fetched once, and the error answers."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from legacy_flask import create_app as create_legacy_app
from legacy_flask.runtime import EXTENSION_KEY
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Video
from tests.new_app.conftest import AppClientFactory, SettingsFactory

BOXES = {"small": (160, 90), "medium": (320, 180), "large": (640, 360)}


def first_video(engine: Engine, *, path: str | None = None, url: str | None = None) -> int:
    """The first video, its thumbnail source set to `path` and `url`: its id."""
    with Session(engine) as db:
        video = db.scalars(select(Video).order_by(Video.id)).first()
        assert video is not None
        video.thumbnail_path, video.thumbnail_url = path, url
        db.commit()
        return video.id


def jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def place_poster(media_root: Path, sample_clips: dict[str, Path], relative: str) -> str:
    target = media_root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(sample_clips["poster.jpg"].read_bytes())  # 1280x720
    return relative


@pytest.mark.parametrize("size", list(BOXES))
async def test_each_size_fits_its_box_as_a_progressive_jpeg(
    client: httpx.AsyncClient,
    library: Engine,
    media_root: Path,
    sample_clips: dict[str, Path],
    size: str,
) -> None:
    video_id = first_video(library, path=place_poster(media_root, sample_clips, "p/poster.jpg"))
    response = await client.get(f"/api/videos/{video_id}/thumbnail/{size}")
    assert (response.status_code, response.headers["content-type"]) == (200, "image/jpeg")
    image = jpeg(response.content)
    assert image.size == BOXES[size]  # 16:9 source, 16:9 boxes
    assert image.info.get("progressive") or image.info.get("progression")
    assert response.headers["cache-control"] == "public, max-age=86400"


async def test_aspect_is_kept_and_small_images_are_not_enlarged(
    client: httpx.AsyncClient, library: Engine, media_root: Path
) -> None:
    (media_root / "p").mkdir()
    Image.new("RGB", (200, 800), "red").save(media_root / "p/tall.png")
    Image.new("RGB", (40, 20), "blue").save(media_root / "p/tiny.png")
    video_id = first_video(library, path="p/tall.png")
    tall = await client.get(f"/api/videos/{video_id}/thumbnail/large")
    assert jpeg(tall.content).size == (90, 360)
    first_video(library, path="p/tiny.png")
    tiny = await client.get(f"/api/videos/{video_id}/thumbnail/large")
    assert jpeg(tiny.content).size == (40, 20)


async def test_a_url_is_fetched_once_and_both_apps_share_the_cache(
    client: httpx.AsyncClient,
    library: Engine,
    upstreams: UpstreamURLs,
    new_settings: SettingsFactory,
) -> None:
    source = upstreams.image_url_template.format(name="new-app-thumbnail-o")  # 1280x720
    video_id = first_video(library, url=source)
    async with httpx.AsyncClient(base_url=upstreams.root) as simulator:
        before = (await simulator.get("/_sim/stats")).json()["by_endpoint"].get("image", 0)
        first = await client.get(f"/api/videos/{video_id}/thumbnail")
        again = await client.get(f"/api/videos/{video_id}/thumbnail/small")
        after = (await simulator.get("/_sim/stats")).json()["by_endpoint"].get("image", 0)
    assert (first.status_code, again.status_code) == (200, 200)
    assert jpeg(first.content).size == (320, 180)
    assert after - before == 1

    legacy: Flask = create_legacy_app(new_settings())
    try:
        from_legacy = legacy.test_client().get(f"/api/videos/{video_id}/thumbnail")
        # Same cache file (its name is in Content-Disposition), not a second rendering.
        assert from_legacy.headers["Content-Disposition"] == first.headers["content-disposition"]
        assert from_legacy.data == first.content
    finally:
        legacy.extensions[EXTENSION_KEY].close()
    final = (await httpx.AsyncClient(base_url=upstreams.root).get("/_sim/stats")).json()
    assert final["by_endpoint"].get("image", 0) == after


async def test_artist_thumbnail(
    client: httpx.AsyncClient, library: Engine, upstreams: UpstreamURLs
) -> None:
    with Session(library) as db:
        artist = db.scalars(select(Artist).order_by(Artist.id)).first()
        assert artist is not None
        artist.thumbnail_path = None
        artist.thumbnail_url = upstreams.image_url_template.format(name="artist-thumb-l")
        db.commit()
        artist_id = artist.id
    response = await client.get(f"/api/artists/{artist_id}/thumbnail")
    assert response.status_code == 200
    assert max(jpeg(response.content).size) <= 320


async def test_error_answers(
    client: httpx.AsyncClient, library: Engine, media_root: Path, upstreams: UpstreamURLs
) -> None:
    video_id = first_video(library)
    url = f"/api/videos/{video_id}/thumbnail"
    none = await client.get(url)
    assert (none.status_code, none.json()) == (404, {"error": "Thumbnail not found"})
    huge = await client.get(f"{url}/huge")
    assert (huge.status_code, huge.json()) == (400, {"error": "invalid thumbnail size 'huge'"})

    first_video(library, url=f"{upstreams.root}/media/status/500")
    failed = await client.get(url)
    assert (failed.status_code, failed.json()) == (502, {"error": "Thumbnail download failed"})
    first_video(library, url=f"{upstreams.root}/media/status/200")  # JSON, not an image
    not_image = await client.get(url)
    assert (not_image.status_code, not_image.json()) == (
        502,
        {"error": "Thumbnail download failed"},
    )

    (media_root / "broken.jpg").write_bytes(b"not an image")
    first_video(library, path="broken.jpg")
    unreadable = await client.get(url)
    assert (unreadable.status_code, unreadable.json()) == (
        422,
        {"error": "Thumbnail could not be read"},
    )

    (media_root.parent / "outside.jpg").write_bytes(b"x")
    first_video(library, path="../outside.jpg")
    outside = await client.get(url)
    assert (outside.status_code, outside.json()) == (
        400,
        {"error": "File path is outside the media root"},
    )


async def test_private_hosts_are_refused_unless_allowed(
    app_client: AppClientFactory, library: Engine, upstreams: UpstreamURLs
) -> None:
    video_id = first_video(library, url=upstreams.image_url_template.format(name="private-s"))
    async with app_client(allow_private_download_hosts=False) as http:
        response = await http.get(f"/api/videos/{video_id}/thumbnail")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "Downloads from private or loopback hosts are not allowed"},
    )
