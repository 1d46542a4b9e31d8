"""/api/artists: list, create, one artist, edit, delete, its videos, IMVDb discover and
import."""

from __future__ import annotations

from tests.parity.case import MALFORMED_JSON, NOT_AN_OBJECT, TEXT_PLAIN, delete, get, post, put
from tests.parity.world import ARTIST_ONE, ARTIST_TWO, EDGE_ARTIST

A = f"/api/artists/{ARTIST_ONE}"
# An IMVDb artist of the simulator's catalog that the seeded library does not hold.
NOT_IN_LIBRARY = 1010

LIST = [
    get("/api/artists/"),
    get("/api/artists/", {"search": "wave"}),
    get("/api/artists/", {"search": "NÚÑEZ"}),
    get("/api/artists/", {"search": "%"}),
    get("/api/artists/", {"monitored": "true"}),
    get("/api/artists/", {"monitored": "No"}),
    get("/api/artists/", {"sort": "video_count", "order": "desc"}),
    get("/api/artists/", {"sort": "created_at", "order": "desc"}),
    get("/api/artists/", {"page": 2, "per_page": 2}),
    get("/api/artists/", {"page": 100}, note="past the end"),
    get("/api/artists/", {"per_page": 200}),
    get("/api/artists/", {"monitored": "maybe"}),
    get("/api/artists/", {"sort": "name_length"}),
    get("/api/artists/", {"order": "random"}),
    get("/api/artists/", {"page": 0}),
    get("/api/artists/", {"page": 1_000_001}),
    get("/api/artists/", {"per_page": 201}),
    get("/api/artists/", {"per_page": "many"}),
]

CREATE = [
    post("/api/artists/", {"name": "New Artist"}),
    post(
        "/api/artists/",
        {
            "name": "  Full Artist  ",
            "imvdb_id": 5555,
            "musicbrainz_id": "mb-1",
            "genres": ["rock", "pop"],
            "monitored": True,
            "auto_download": False,
            "folder_path": "new/folder/../kept",
            "thumbnail_url": "http://example.com/a.jpg",
        },
    ),
    post("/api/artists/", {"name": "By a user"}, who="user"),
    post("/api/artists/", {"name": "Dup", "imvdb_id": "1000"}, note="IMVDb id taken"),
    post("/api/artists/", {"name": "Esc", "folder_path": "../escape"}),
    post("/api/artists/", {"name": "Abs", "folder_path": "/etc"}),
    post("/api/artists/", {"name": "Root", "folder_path": "."}),
    post("/api/artists/", {"name": "Blank folder", "folder_path": "  "}),
    post("/api/artists/", {}),
    post("/api/artists/", {"name": ""}),
    post("/api/artists/", {"name": None}),
    post("/api/artists/", {"name": "x", "monitored": "yes"}),
    post("/api/artists/", {"name": "x", "genres": "rock"}),
    post("/api/artists/", {"name": "x", "imvdb_id": [1]}),
    post("/api/artists/", {"name": "x", "thumbnail_url": "javascript:alert(1)"}),
    post("/api/artists/", {"name": "x", "bio": "y"}),
    post("/api/artists/", MALFORMED_JSON),
    post("/api/artists/", NOT_AN_OBJECT),
    post("/api/artists/", TEXT_PLAIN),
    post("/api/artists/", {"name": "x"}, who="readonly"),
    post("/api/artists/", {"name": "x"}, who="key:readonly"),
    post("/api/artists/", {"name": "x"}, auth_required=True),
]

ONE = [
    get(A),
    get(f"/api/artists/{EDGE_ARTIST}"),
    get("/api/artists/9999"),
    get("/api/artists/abc"),
    put(A, {"monitored": True, "genres": []}),
    put(A, {"name": "Renamed", "folder_path": None, "thumbnail_url": ""}),
    put(A, {"imvdb_id": "1001"}, note="IMVDb id of another artist"),
    put(A, {"imvdb_id": "1000"}, note="its own IMVDb id"),
    put(A, {"name": None}),
    put(A, {"auto_download": 1}),
    put(A, {"folder_path": "../x"}),
    put(A, {"unknown": True}),
    put(A, MALFORMED_JSON),
    put("/api/artists/9999", {"name": "x"}),
    put(A, {"name": "x"}, who="readonly"),
    delete(f"/api/artists/{ARTIST_TWO}", note="with videos, downloads, playlist entries"),
    delete(f"/api/artists/{EDGE_ARTIST}"),
    delete("/api/artists/9999"),
    delete(A, who="readonly"),
]

VIDEOS = [
    get(f"{A}/videos"),
    get(f"{A}/videos", {"status": "wanted"}),
    get(f"{A}/videos", {"limit": 2, "offset": 1}),
    get(f"/api/artists/{EDGE_ARTIST}/videos", {"limit": 500}),
    get(f"{A}/videos", {"status": "bogus"}),
    get(f"{A}/videos", {"limit": 0}),
    get("/api/artists/9999/videos"),
    get("/api/artists/9999/videos", {"limit": 0}, note="parameters checked before the id"),
]

DISCOVER = [
    get("/api/artists/discover", {"q": "wave"}),
    get("/api/artists/discover", {"q": "Fire Wave"}, note="in the library"),
    get("/api/artists/discover", {"q": "zzzzqqq"}),
    get("/api/artists/discover"),
    get("/api/artists/discover", {"q": "   "}),
    get("/api/artists/discover", {"q": "wave"}, who="readonly"),
    get("/api/artists/discover", {"q": "wave"}, variant="upstreams_down"),
]

IMPORT = [
    post("/api/artists/import-from-imvdb", {"imvdb_id": NOT_IN_LIBRARY}),
    post(
        "/api/artists/import-from-imvdb",
        {"imvdb_id": str(NOT_IN_LIBRARY), "monitored": True, "import_videos": False},
    ),
    post("/api/artists/import-from-imvdb", {"imvdb_id": "1000"}, note="already in the library"),
    post("/api/artists/import-from-imvdb", {"imvdb_id": "abc"}),
    post("/api/artists/import-from-imvdb", {"imvdb_id": "-5"}),
    post("/api/artists/import-from-imvdb", {"imvdb_id": 99_999_999}, note="not on IMVDb"),
    post("/api/artists/import-from-imvdb", {}),
    post("/api/artists/import-from-imvdb", {"imvdb_id": 1010, "monitored": "yes"}),
    post("/api/artists/import-from-imvdb", {"imvdb_id": 1010, "videos": True}),
    post("/api/artists/import-from-imvdb", MALFORMED_JSON),
    post("/api/artists/import-from-imvdb", {"imvdb_id": 1010}, who="readonly"),
    post("/api/artists/import-from-imvdb", {"imvdb_id": 1010}, variant="upstreams_down"),
]

CASES = LIST + CREATE + ONE + VIDEOS + DISCOVER + IMPORT
