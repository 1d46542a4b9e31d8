"""The page routes of the browser UI (the templates and scripts live in `web_ui`).

Page views render a template and pass it only the ids found in the URL; they never read the
database: the page's JavaScript fetches everything from /api/... That is what lets the same
templates and scripts be served unchanged by the async app after the cutover.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from web_ui import (
    CACHE_FOREVER,
    STATIC_ROOT,
    TEMPLATES_ROOT,
    VERSION_PARAMETER,
    StaticAssets,
    template_globals,
)

assets = StaticAssets(STATIC_ROOT)

bp = Blueprint("pages", __name__, template_folder=TEMPLATES_ROOT)


@bp.app_context_processor
def template_helpers() -> dict[str, object]:
    return template_globals(assets)


@bp.after_app_request
def cache_versioned_static_files(response: Response) -> Response:
    """A static file fetched by its current versioned URL never changes: cache it for good.
    Unversioned (or outdated) URLs keep Flask's default of revalidating every time."""
    if response.status_code == 200 and assets.is_current(
        request.path, request.args.get(VERSION_PARAMETER)
    ):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_FOREVER
        response.cache_control.immutable = True
    return response


@bp.get("/")
def dashboard() -> str:
    return render_template("dashboard.html")


@bp.get("/artists")
def artists() -> str:
    return render_template("artists.html")


@bp.get("/artist/<int:artist_id>")
def artist(artist_id: int) -> str:
    return render_template("artist.html", artist_id=artist_id)


@bp.get("/videos")
def videos() -> str:
    return render_template("videos.html")


@bp.get("/video/<int:video_id>")
def video(video_id: int) -> str:
    return render_template("video.html", video_id=video_id)


@bp.get("/playlists")
def playlists() -> str:
    return render_template("playlists.html")


@bp.get("/playlist/<int:playlist_id>")
def playlist(playlist_id: int) -> str:
    return render_template("playlist.html", playlist_id=playlist_id)


@bp.get("/downloads")
def downloads() -> str:
    return render_template("downloads.html")


@bp.get("/settings")
def settings() -> str:
    return render_template("settings.html")


@bp.get("/account")
def account() -> str:
    return render_template("account.html")


@bp.get("/login")
def login() -> str:
    return render_template("login.html")
