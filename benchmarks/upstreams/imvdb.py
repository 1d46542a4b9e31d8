"""The simulated IMVDb API (mounted under /imvdb/api/v1), shaped like the real one.

`include=` works as on IMVDb: `/entity/{id}` adds `artist_videos` only when asked, and
`/video/{id}` adds `sources` and `credits` only when asked (`directors` is always there).
"""

from __future__ import annotations

import math
import zlib
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.upstreams.responses import base_url, error, int_param, simulator
from shared_models.demo.catalog import CatalogArtist, CatalogVideo
from shared_models.demo.upstream_urls import IMAGE_PATH

T = TypeVar("T")

IMVDB_SITE = "https://imvdb.com"
# IMVDb's image sizes: original, large, big, thumbnail, small.
IMAGE_SIZES = ("o", "l", "b", "t", "s")
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100


def image_urls(request: Request, stem: str) -> dict[str, str]:
    root = base_url(request)
    return {size: root + IMAGE_PATH.format(name=f"{stem}-{size}") for size in IMAGE_SIZES}


def includes(request: Request) -> set[str]:
    return {part.strip() for part in request.query_params.get("include", "").split(",")}


def artist_link(artist_name: str, artist_slug: str) -> dict[str, str]:
    return {"name": artist_name, "slug": artist_slug, "url": f"{IMVDB_SITE}/n/{artist_slug}"}


def entity_summary(request: Request, artist: CatalogArtist) -> dict[str, object]:
    return {
        "id": artist.imvdb_id,
        "name": artist.name,
        "slug": artist.slug,
        "url": f"{IMVDB_SITE}/n/{artist.slug}",
        "discogs_id": None,
        "byline": f"{artist.genres[0]} ({artist.country})",
        "image": image_urls(request, artist.image_name),
        "artist_video_count": artist.video_count,
        "featured_video_count": artist.featured_video_count,
    }


def video_summary(request: Request, video: CatalogVideo) -> dict[str, object]:
    return {
        "id": video.imvdb_id,
        "production_status": "r",
        "song_title": video.title,
        "song_slug": video.slug,
        "url": f"{IMVDB_SITE}/video/{video.artist_slug}/{video.slug}",
        "multiple_versions": False,
        "version_name": None,
        "version_number": 1,
        "is_imvdb_pick": False,
        "aspect_ratio": None,
        "year": video.year,
        "verified_credits": False,
        "artists": [artist_link(video.artist_name, video.artist_slug)],
        "image": image_urls(request, video.image_name),
    }


def director_credit(video: CatalogVideo) -> dict[str, object]:
    slug = video.director.lower().replace(" ", "-")
    return {
        "position_name": "Director",
        "position_code": "dir",
        "entity_name": video.director,
        "entity_slug": slug,
        # Directors are not catalog entities; a stable id keeps credits comparable.
        "entity_id": 900_000 + zlib.crc32(video.director.encode()) % 100_000,
        "position_notes": None,
        "position_id": 0,
        "entity_url": f"{IMVDB_SITE}/n/{slug}",
    }


def page_of(request: Request, items: list[T]) -> tuple[list[T], dict[str, int]]:
    page = int_param(request, "page", 1, minimum=1)
    per_page = int_param(request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    start = (page - 1) * per_page
    paging = {
        "total_results": len(items),
        "current_page": page,
        "per_page": per_page,
        "total_pages": math.ceil(len(items) / per_page),
    }
    return items[start : start + per_page], paging


async def search_entities(request: Request) -> JSONResponse:
    found = simulator(request).artist_index.search(request.query_params.get("q", ""))
    artists, paging = page_of(request, found)
    return JSONResponse(
        paging | {"results": [entity_summary(request, artist) for artist in artists]}
    )


async def search_videos(request: Request) -> JSONResponse:
    found = simulator(request).video_index.search(request.query_params.get("q", ""))
    videos, paging = page_of(request, found)
    return JSONResponse(paging | {"results": [video_summary(request, video) for video in videos]})


async def entity(request: Request) -> JSONResponse:
    catalog = simulator(request).catalog
    artist = catalog.artist(request.path_params["entity_id"])
    if artist is None:
        return error(404, "Entity not found")
    body = entity_summary(request, artist) | {"bio": artist.bio}
    if "artist_videos" in includes(request):
        videos = catalog.videos_of(artist)
        body["artist_videos"] = {
            "total_videos": len(videos),
            "videos": [video_summary(request, video) for video in videos],
        }
    if "featured_videos" in includes(request):
        body["featured_videos"] = {"total_videos": 0, "videos": []}
    return JSONResponse(body)


async def video(request: Request) -> JSONResponse:
    found = simulator(request).catalog.video(request.path_params["video_id"])
    if found is None:
        return error(404, "Video not found")
    body = video_summary(request, found) | {
        "description": found.description,
        "genres": list(found.genres),
        "featured_artists": [],
        "directors": [director_credit(found)],
    }
    wanted = includes(request)
    if "sources" in wanted:
        body["sources"] = [
            {
                "source": "youtube",
                "source_slug": "youtube",
                "source_data": found.youtube_id,
                "is_primary": True,
            }
        ]
    if "credits" in wanted:
        body["credits"] = {"total_credits": 1, "crew": [director_credit(found)], "cast": []}
    return JSONResponse(body)


routes = [
    Route("/search/entities", search_entities),
    Route("/search/videos", search_videos),
    Route("/entity/{entity_id:int}", entity),
    Route("/video/{video_id:int}", video),
]
