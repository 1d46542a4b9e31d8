"""/api/imvdb and /api/musicbrainz: artist searches passed through to the upstream APIs,
on the app's shared HTTP client."""

from __future__ import annotations

from fastapi import APIRouter, Request

from new_app.deps import DbSession, RuntimeDep
from new_app.docs import described
from new_app.query import required_text_arg
from new_app.schemas.artists import ImvdbArtistSearch
from new_app.schemas.common import ERROR_RESPONSES, ErrorBody
from new_app.schemas.integrations import MusicBrainzArtist, MusicBrainzSearch
from new_app.services import imvdb, musicbrainz
from new_app.services.library_queries import library_imvdb_ids

router = APIRouter(prefix="/api", tags=["integrations"], responses=ERROR_RESPONSES)

QUERY = described(query={"q": "what to look for"}, required=["q"])


@router.get(
    "/imvdb/search-artist",
    response_model=ImvdbArtistSearch,
    summary="Search IMVDb for artists",
    responses={502: {"model": ErrorBody, "description": "IMVDb failed"}},
    openapi_extra=QUERY,
)
async def imvdb_search_artist(
    request: Request, db: DbSession, runtime: RuntimeDep
) -> ImvdbArtistSearch:
    query = required_text_arg(request, "q")
    library_ids = await library_imvdb_ids(db)
    await db.close()  # the upstream call may be slow: give the connection back first
    client = imvdb.ImvdbClient.from_settings(runtime.http, runtime.settings)
    return ImvdbArtistSearch.model_validate(await imvdb.artist_search(client, query, library_ids))


@router.get(
    "/musicbrainz/search-artist",
    response_model=MusicBrainzSearch,
    summary="Search MusicBrainz for artists",
    responses={502: {"model": ErrorBody, "description": "MusicBrainz failed"}},
    openapi_extra=QUERY,
)
async def musicbrainz_search_artist(request: Request, runtime: RuntimeDep) -> MusicBrainzSearch:
    query = required_text_arg(request, "q")
    results = await musicbrainz.search_artists(runtime.http, runtime.settings, query)
    return MusicBrainzSearch(
        query=query,
        results=[MusicBrainzArtist.model_validate(result) for result in results],
        count=len(results),
    )
