"""/api/imvdb and /api/musicbrainz: artist searches passed through to the upstream APIs."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from legacy_flask.db import get_db
from legacy_flask.library_queries import library_imvdb_ids
from legacy_flask.query_params import required_text_arg
from legacy_flask.runtime import current_runtime
from legacy_flask.services import imvdb, musicbrainz

bp = Blueprint("integrations", __name__, url_prefix="/api")


@bp.get("/imvdb/search-artist")
def imvdb_search_artist() -> ResponseReturnValue:
    query = required_text_arg("q")
    client = imvdb.ImvdbClient.from_settings(current_runtime().settings)
    return jsonify(imvdb.artist_search(client, query, library_imvdb_ids(get_db())))


@bp.get("/musicbrainz/search-artist")
def musicbrainz_search_artist() -> ResponseReturnValue:
    query = required_text_arg("q")
    results = musicbrainz.search_artists(current_runtime().settings, query)
    return jsonify({"query": query, "results": results, "count": len(results)})
