"""The browser UI: HTML shells whose JavaScript fetches every piece of data from /api/...

Page views render a template and pass it only the ids found in the URL; they never read the
database. That is what lets the same templates and scripts be served unchanged by the async
app after the cutover. For the same reason templates use nothing Flask-specific: no
`url_for`, `request`, `session` or `g`, only plain paths and the two helpers set up here
(`static_url` and `import_map`), which any Jinja2 environment can provide.

Static files get versioned URLs (`/static/js/app.js?v=<content hash>`), so browsers may cache
them for a year and still see a new release at once. ES modules import each other by plain
relative paths; the import map in the base layout points each of those at its versioned URL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

STATIC_ROOT = Path(__file__).parent / "static"
STATIC_URL_PREFIX = "/static/"
VERSION_PARAMETER = "v"
CACHE_FOREVER = 365 * 24 * 3600


@dataclass
class StaticAssets:
    """Content-hash versions of the files under the static folder.

    A hash is recomputed only when a file's size or modification time changes, so a running
    development server picks up edits without a restart.
    """

    root: Path
    url_prefix: str = STATIC_URL_PREFIX
    _versions: dict[str, tuple[int, int, str]] = field(default_factory=dict, repr=False)

    def version(self, relative_path: str) -> str | None:
        """A short hash of the file's content, or None if there is no such file."""
        path = (self.root / relative_path).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            return None
        stat = path.stat()
        cached = self._versions.get(relative_path)
        if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self._versions[relative_path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def url(self, relative_path: str) -> str:
        """`/static/<path>?v=<hash>`; a missing file is a bug in a template, so it raises."""
        version = self.version(relative_path)
        if version is None:
            raise FileNotFoundError(f"no static file {relative_path!r}")
        return f"{self.url_prefix}{relative_path}?{VERSION_PARAMETER}={version}"

    def import_map(self) -> Markup:
        """The JSON of a `<script type="importmap">` mapping every JS module to its versioned
        URL, so `import ... from "./api.js"` also fetches a cache-safe URL."""
        modules = sorted(path.relative_to(self.root).as_posix() for path in self.root.rglob("*.js"))
        imports = {f"{self.url_prefix}{module}": self.url(module) for module in modules}
        # "<" escaped so no value could ever close the <script> element.
        text = json.dumps({"imports": imports}, indent=1).replace("<", "\\u003c")
        return Markup(text)

    def is_current(self, request_path: str, requested_version: str | None) -> bool:
        """True when a /static/ request names the file's current version."""
        if not requested_version or not request_path.startswith(self.url_prefix):
            return False
        return self.version(request_path.removeprefix(self.url_prefix)) == requested_version


assets = StaticAssets(STATIC_ROOT)

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.app_context_processor
def template_helpers() -> dict[str, object]:
    return {"static_url": assets.url, "import_map": assets.import_map}


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


@bp.get("/login")
def login() -> str:
    return render_template("login.html")
