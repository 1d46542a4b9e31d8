"""MusicBrainz artist search on the shared httpx client."""

from __future__ import annotations

from typing import Any

import httpx

from new_app.services.upstream import UpstreamError, get_json
from shared_models.settings import Settings

SERVICE = "MusicBrainz"
SEARCH_LIMIT = 25


async def search_artists(
    http: httpx.AsyncClient, settings: Settings, query: str
) -> list[dict[str, Any]]:
    url = f"{settings.musicbrainz_base_url.rstrip('/')}/artist"
    params = {"query": query, "fmt": "json", "limit": SEARCH_LIMIT, "offset": 0}
    data = await get_json(http, SERVICE, url, params=params)
    if data is None or not isinstance(data.get("artists"), list):
        raise UpstreamError(SERVICE, f"{url} answered without artists")
    return [artist_result(a) for a in data["artists"] if isinstance(a, dict)]


def artist_result(artist: dict[str, Any]) -> dict[str, Any]:
    tags = [t for t in artist.get("tags") or [] if isinstance(t, dict) and t.get("name")]
    tags.sort(key=lambda tag: -int(tag.get("count") or 0))
    return {
        "musicbrainz_id": artist.get("id"),
        "name": artist.get("name"),
        "sort_name": artist.get("sort-name"),
        "country": artist.get("country"),
        "type": artist.get("type"),
        "disambiguation": artist.get("disambiguation") or None,
        "score": artist.get("score"),
        "tags": [tag["name"] for tag in tags],
    }
