"""IMVDb (the Internet Music Video Database) client on the shared httpx client: artist and
video search and lookup, and the mapping of its answers onto our fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from new_app.services.upstream import UpstreamError, get_json
from shared_models.settings import Settings

SERVICE = "IMVDb"
SEARCH_PAGE_SIZE = 25
# IMVDb image sizes in the order we prefer them.
IMAGE_PREFERENCE = ("l", "o", "b", "t", "s")


@dataclass(frozen=True)
class ImvdbClient:
    http: httpx.AsyncClient
    base_url: str
    api_key: str

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings) -> ImvdbClient:
        return cls(
            http=http, base_url=settings.imvdb_base_url.rstrip("/"), api_key=settings.imvdb_api_key
        )

    async def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        headers = {"IMVDB-APP-KEY": self.api_key} if self.api_key else {}
        return await get_json(
            self.http, SERVICE, f"{self.base_url}{path}", params=params, headers=headers
        )

    async def _search(self, path: str, query: str) -> list[dict[str, Any]]:
        data = await self._get(path, {"q": query, "page": 1, "per_page": SEARCH_PAGE_SIZE})
        if data is None:
            raise UpstreamError(SERVICE, f"{path} answered 404")
        results = data.get("results")
        if not isinstance(results, list):
            raise UpstreamError(SERVICE, f"{path} answered without results")
        return [result for result in results if isinstance(result, dict)]

    async def search_entities(self, query: str) -> list[dict[str, Any]]:
        return await self._search("/search/entities", query)

    async def search_videos(self, query: str) -> list[dict[str, Any]]:
        return await self._search("/search/videos", query)

    async def entity(self, imvdb_id: str) -> dict[str, Any] | None:
        """An artist with its videos, or None if IMVDb has no such id."""
        return await self._get(f"/entity/{quote(imvdb_id, safe='')}", {"include": "artist_videos"})

    async def video(self, imvdb_id: str) -> dict[str, Any] | None:
        """A video with its sources (YouTube ids) and credits, or None."""
        return await self._get(f"/video/{quote(imvdb_id, safe='')}", {"include": "sources,credits"})


def image_url(item: dict[str, Any]) -> str | None:
    image = item.get("image")
    if isinstance(image, str):
        return image or None
    if isinstance(image, dict):
        for size in IMAGE_PREFERENCE:
            if image.get(size):
                return str(image[size])
    return None


def entity_result(entity: dict[str, Any], library_ids: set[str]) -> dict[str, Any]:
    """One discover/search result, marked when the artist is already in the library."""
    imvdb_id = str(entity.get("id"))
    return {
        "imvdb_id": imvdb_id,
        "name": entity.get("name"),
        "slug": entity.get("slug"),
        "url": entity.get("url"),
        "image_url": image_url(entity),
        "video_count": entity.get("artist_video_count"),
        "in_library": imvdb_id in library_ids,
    }


async def artist_search(client: ImvdbClient, query: str, library_ids: set[str]) -> dict[str, Any]:
    """The discover/search-artist answer: IMVDb's matches, marked when already ours."""
    entities = await client.search_entities(query)
    results = [entity_result(entity, library_ids) for entity in entities]
    return {"query": query, "results": results, "count": len(results)}


def primary_youtube_id(video: dict[str, Any]) -> str | None:
    sources = [s for s in video.get("sources") or [] if isinstance(s, dict)]
    youtube = [s for s in sources if s.get("source") == "youtube" and s.get("source_data")]
    youtube.sort(key=lambda source: not source.get("is_primary"))
    return str(youtube[0]["source_data"]) if youtube else None


def video_year(video: dict[str, Any]) -> int | None:
    year = video.get("year")
    return year if isinstance(year, int) and not isinstance(year, bool) else None


def video_genres(video: dict[str, Any]) -> list[str] | None:
    genres = video.get("genres")
    if not isinstance(genres, list):
        return None
    names = [g.get("name") if isinstance(g, dict) else g for g in genres]
    return [name for name in names if isinstance(name, str) and name]


def matches(video: dict[str, Any], artist_name: str, title: str) -> bool:
    """A search hit is our video when title and one of its artists match (ignoring case)."""
    if str(video.get("song_title", "")).casefold() != title.casefold():
        return False
    names = [a.get("name", "") for a in video.get("artists") or [] if isinstance(a, dict)]
    return any(str(name).casefold() == artist_name.casefold() for name in names)
