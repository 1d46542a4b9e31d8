"""/api/imvdb and /api/musicbrainz: artist searches passed through to the upstreams, and
/api/health."""

from __future__ import annotations

from tests.parity.case import get, post

# Disk space changes under our feet (other processes write): truly non-deterministic.
DISK_USAGE = ("disk.free_bytes", "disk.used_percent")

SEARCHES = [
    get("/api/imvdb/search-artist", {"q": "wave"}),
    get("/api/imvdb/search-artist", {"q": "Noah & the Foxes"}),
    get("/api/imvdb/search-artist", {"q": "zzzzqqq"}),
    get("/api/imvdb/search-artist"),
    get("/api/imvdb/search-artist", {"q": ""}),
    get("/api/imvdb/search-artist", {"q": "wave"}, who="readonly"),
    get("/api/imvdb/search-artist", {"q": "wave"}, auth_required=True),
    get("/api/imvdb/search-artist", {"q": "wave"}, variant="upstreams_down"),
    post("/api/imvdb/search-artist", {"q": "wave"}),
    get("/api/musicbrainz/search-artist", {"q": "Fire Wave"}),
    get("/api/musicbrainz/search-artist", {"q": "núñez"}),
    get("/api/musicbrainz/search-artist", {"q": "zzzzqqq"}),
    get("/api/musicbrainz/search-artist"),
    get("/api/musicbrainz/search-artist", {"q": "wave"}, who="key:user"),
    get("/api/musicbrainz/search-artist", {"q": "wave"}, variant="upstreams_down"),
]

HEALTH = [
    get("/api/health"),
    get("/api/health/version"),
    get("/api/health/system", ignore=DISK_USAGE),
    get("/api/health/system", who="readonly", auth_required=True, ignore=DISK_USAGE),
    get("/api/health/system", auth_required=True, ignore=DISK_USAGE, note="never needs a login"),
    get("/api/health/"),
    get("/api/health/nope"),
    post("/api/health"),
    post("/api/health/version"),
]

CASES = SEARCHES + HEALTH
