"""The browser UI both backends serve: Jinja2 page shells, plain ES-module JavaScript, CSS.

It lives apart from either app because it must survive the cutover unchanged: the legacy
Flask app and the FastAPI app render the same templates and serve the same static files,
and once every route points to the new app, Flask can go while this stays. Pages carry only
the ids in their URL; every piece of data is fetched by the page's JavaScript from /api/...

Templates use nothing framework-specific: only plain paths and the two helpers of
`StaticAssets` (`static_url` and `import_map`), which any Jinja2 environment can provide.
Static files get versioned URLs (`/static/js/app.js?v=<content hash>`), so browsers may cache
them for a year and still see a new release at once. ES modules import each other by plain
relative paths; the import map in the base layout points each of those at its versioned URL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

TEMPLATES_ROOT = Path(__file__).parent / "templates"
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


def template_globals(assets: StaticAssets) -> dict[str, object]:
    """What every page template expects in its environment."""
    return {"static_url": assets.url, "import_map": assets.import_map}
