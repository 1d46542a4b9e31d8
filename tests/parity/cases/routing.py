"""What no single endpoint owns: trailing-slash redirects, unknown paths and methods,
HEAD and OPTIONS, body size and type limits."""

from __future__ import annotations

from tests.parity.case import Raw, delete, get, head, options_, patch, post, put
from tests.parity.world import VIDEO_MP4

TOO_LARGE = Raw(b'{"name": "' + b"x" * (1024 * 1024) + b'"}')

SLASHES = [
    get("/api/videos", note="redirects to the slash"),
    get("/api/videos", {"limit": 5, "sort": "year"}, note="query string kept"),
    get("/api/artists"),
    post("/api/artists", {"name": "x"}),
    get("/api/playlists"),
    get("/api/settings"),
    get("/api/users"),
    get("/api/api-keys"),
    get("/api/videos", auth_required=True, note="login checked first"),
    get(f"/api/videos/{VIDEO_MP4}/", note="items have no slash"),
    get("/api/downloads/queue/"),
    get("/api/downloads"),
    get("/api/downloads/"),
]

UNKNOWN = [
    get("/api"),
    get("/api/"),
    get("/api/nope"),
    post("/api/nope", {"x": 1}),
    get("/api/videos/1/nope"),
    delete("/api/videos/", note="wrong method on a collection"),
    patch(f"/api/videos/{VIDEO_MP4}", {"title": "x"}),
    put("/api/downloads/queue", {}),
    delete("/api/settings/"),
    post("/api/artists/discover", {"q": "x"}),
    get("/api/artists/import-from-imvdb"),
]

# A browser's misses get MVidarr's own error page, the same bytes from either backend.
PAGES = [
    get("/no-such-page", note="the product's 404 page"),
    get("/video/not-a-number", note="a page path that matches no route"),
    get("/static/no-such-file.js", note="a static miss"),
    post("/videos", {"x": 1}, note="wrong method on a page: 405 page with Allow"),
]

METHODS = [
    head("/api/videos/"),
    head(f"/api/videos/{VIDEO_MP4}"),
    options_("/api/videos/"),
    options_(f"/api/videos/{VIDEO_MP4}"),
]

LIMITS = [
    post("/api/artists/", TOO_LARGE, note="over 1 MiB"),
    post("/api/artists/", Raw(b'{"name": "x"}', "application/x-www-form-urlencoded")),
    post("/api/artists/", Raw(b'{"name": "x"}', None), note="no Content-Type"),
    post("/api/artists/", Raw(b'{"name": "x"}', "application/json; charset=utf-8")),
    post("/api/artists/", Raw(b'{"name": "\xff"}'), note="not UTF-8"),
    post("/api/artists/", Raw(b"  "), note="only whitespace"),
    post("/api/artists/", Raw(b"null")),
]

CASES = SLASHES + UNKNOWN + PAGES + METHODS + LIMITS
