"""The app factory: configuration in, a ready Flask app out, nothing global.

    app = create_app(Settings(database_url="sqlite:///mvidarr.db"))

What the factory wires, in order: the runtime (engine, download threads, transcode slots),
the shared session cookie, the per-request DB session, the access hook, the JSON error
handlers, the API blueprints and the browser UI's pages.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

from legacy_flask import pages
from legacy_flask.access import authenticate_request
from legacy_flask.api import API_BLUEPRINTS
from legacy_flask.cookie_session import SharedCookieSessionInterface
from legacy_flask.db import close_db
from legacy_flask.errors import register_error_handlers
from legacy_flask.runtime import EXTENSION_KEY, Runtime
from shared_models.json_rules import MAX_BODY_BYTES, MAX_ID, has_out_of_range_id
from shared_models.session_cookie import SessionCodec
from shared_models.settings import Settings, get_settings
from web_ui import STATIC_ROOT


class IdConverter(IntegerConverter):
    """`<int:...>`: ASCII digits only (Werkzeug's own takes any Unicode digit)."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **({"max": MAX_ID} | kwargs))


def refuse_impossible_ids() -> None:
    """A path holding an id above MAX_ID names nothing: 404 (before the access check)."""
    if has_out_of_range_id(request.path):
        abort(404)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    settings.resolved_media_root.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, static_folder=STATIC_ROOT)
    # `<int:...>` matches only ids a row can have (shared_models.json_rules.MAX_ID).
    app.url_map.converters["int"] = IdConverter
    secret_key = settings.resolved_secret_key
    app.config.update(SECRET_KEY=secret_key, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    # The contract's key order, and the compact UTF-8 JSON the FastAPI app also sends.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = SharedCookieSessionInterface(SessionCodec(secret_key))

    runtime = Runtime.create(settings)
    runtime.close_at_exit()
    app.extensions[EXTENSION_KEY] = runtime
    app.teardown_appcontext(close_db)
    app.before_request(refuse_impossible_ids)
    app.before_request(authenticate_request)
    register_error_handlers(app)

    for blueprint in API_BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(pages.bp)
    return app
