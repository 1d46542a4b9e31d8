"""The simulated MusicBrainz web service (mounted under /musicbrainz/ws/2), JSON only.

The search takes MusicBrainz's Lucene-style query loosely: field prefixes (`artist:`),
quotes and AND/OR/NOT are dropped and the remaining words searched by prefix.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.upstreams.responses import error, int_param, simulator
from benchmarks.upstreams.search import normalize
from shared_models.demo.catalog import CatalogArtist

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_LUCENE_SYNTAX = re.compile(r"\b\w+:|\b(?:AND|OR|NOT)\b|[\"()~^*]")


def search_text(query: str) -> str:
    """'artist:"Björk" AND country:IS' -> 'Björk IS'."""
    return _LUCENE_SYNTAX.sub(" ", query)


def score(artist: CatalogArtist, query: str) -> int:
    """100 for the exact name, less the more of the name the query leaves out."""
    name_words = normalize(artist.name).split()
    query_words = normalize(query).split()
    if name_words == query_words:
        return 100
    covered = sum(1 for word in name_words if any(word.startswith(q) for q in query_words))
    return max(1, round(95 * covered / max(len(name_words), 1)))


def artist_json(artist: CatalogArtist) -> dict[str, object]:
    return {
        "id": artist.musicbrainz_id,
        "type": artist.kind,
        "name": artist.name,
        "sort-name": artist.sort_name,
        "country": artist.country,
        "disambiguation": "",
        "life-span": {"begin": str(artist.active_since), "ended": None},
        "tags": [
            {"count": len(artist.genres) - position, "name": genre}
            for position, genre in enumerate(artist.genres)
        ],
    }


def json_only(request: Request) -> JSONResponse | None:
    fmt = request.query_params.get("fmt", "json")
    if fmt != "json":
        return error(400, f"fmt={fmt} is not simulated: use fmt=json")
    return None


async def search_artists(request: Request) -> JSONResponse:
    if (refused := json_only(request)) is not None:
        return refused
    query = search_text(request.query_params.get("query", ""))
    limit = int_param(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    offset = int_param(request, "offset", 0, minimum=0)
    found = simulator(request).artist_index.search(query)
    scored = sorted(((score(artist, query), artist) for artist in found), key=lambda pair: -pair[0])
    return JSONResponse(
        {
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "count": len(found),
            "offset": offset,
            "artists": [
                artist_json(artist) | {"score": artist_score}
                for artist_score, artist in scored[offset : offset + limit]
            ],
        }
    )


async def lookup_artist(request: Request) -> JSONResponse:
    if (refused := json_only(request)) is not None:
        return refused
    musicbrainz_id = request.path_params["musicbrainz_id"]
    try:
        uuid.UUID(musicbrainz_id)
    except ValueError:
        return error(400, "Invalid mbid.")
    artist = simulator(request).catalog.artist_by_musicbrainz_id(musicbrainz_id)
    if artist is None:
        return error(404, "Not Found")
    return JSONResponse(artist_json(artist))


routes = [
    Route("/artist", search_artists),
    Route("/artist/{musicbrainz_id}", lookup_artist),
]
