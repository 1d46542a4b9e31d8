"""/api/playlists: list, create, one playlist, edit, delete, add a video, remove an entry,
reorder."""

from __future__ import annotations

from tests.parity.case import EMPTY_BODY, MALFORMED_JSON, delete, get, post, put
from tests.parity.world import (
    PLAYLIST_ONE,
    PLAYLIST_SMALL,
    PLAYLIST_SMALL_ENTRIES,
    VIDEO_MONITORED,
    VIDEO_MP4,
)

P = f"/api/playlists/{PLAYLIST_SMALL}"
FIRST, SECOND, LAST = (
    PLAYLIST_SMALL_ENTRIES[0],
    PLAYLIST_SMALL_ENTRIES[1],
    PLAYLIST_SMALL_ENTRIES[-1],
)
SIZE = len(PLAYLIST_SMALL_ENTRIES)

LIST = [
    get("/api/playlists/"),
    get("/api/playlists/", {"page": 2, "per_page": 1}),
    get("/api/playlists/", {"page": 9}),
    get("/api/playlists/", {"per_page": 0}),
    get("/api/playlists/", {"page": "two"}),
    get("/api/playlists/", who="readonly"),
]

CREATE = [
    post(
        "/api/playlists/", {"name": "Road trip", "description": "Long drives", "is_public": False}
    ),
    post("/api/playlists/", {"name": "Mine"}, who="user", note="owned by the user"),
    post("/api/playlists/", {"name": "Keyed"}, who="key:user", note="owned by the key's user"),
    post("/api/playlists/", {"name": "Blank description", "description": "  "}),
    post("/api/playlists/", {}),
    post("/api/playlists/", {"name": "x", "is_public": "no"}),
    post("/api/playlists/", {"name": "x", "entries": []}),
    post("/api/playlists/", {"name": "x" * 256}),
    post("/api/playlists/", MALFORMED_JSON),
    post("/api/playlists/", EMPTY_BODY),
    post("/api/playlists/", {"name": "x"}, who="readonly"),
]

ONE = [
    get(P),
    get(f"/api/playlists/{PLAYLIST_ONE}"),
    get(P, {"include_entries": "false"}),
    get(P, {"include_entries": "0"}),
    get(P, {"include_entries": "maybe"}),
    get("/api/playlists/9999"),
    put(P, {"name": "Renamed", "is_public": False}),
    put(P, {"description": None}),
    put(P, {"name": ""}),
    put(P, {"owner": 1}),
    put(P, MALFORMED_JSON),
    put("/api/playlists/9999", {"name": "x"}),
    put(P, {"name": "x"}, who="readonly"),
    delete(P),
    delete("/api/playlists/9999"),
    delete(P, who="readonly"),
]

ENTRIES = [
    post(f"{P}/videos", {"video_id": VIDEO_MONITORED}, note="appended"),
    post(f"{P}/videos", {"video_id": VIDEO_MP4, "position": 1}, note="inserted first"),
    post(f"{P}/videos", {"video_id": VIDEO_MP4, "position": SIZE + 1}, note="last position"),
    post(f"{P}/videos", {"video_id": VIDEO_MP4, "position": SIZE + 2}),
    post(f"{P}/videos", {"video_id": VIDEO_MP4, "position": 0}),
    post(f"{P}/videos", {"video_id": VIDEO_MP4, "position": "1"}),
    post(f"{P}/videos", {"video_id": 9999}),
    post(f"{P}/videos", {"video_id": "2"}),
    post(f"{P}/videos", {"video_id": 0}),
    post(f"{P}/videos", {}),
    post(f"{P}/videos", {"video_id": 2, "note": "x"}),
    post(f"{P}/videos", MALFORMED_JSON),
    post("/api/playlists/9999/videos", {"video_id": VIDEO_MP4}),
    post(f"{P}/videos", {"video_id": VIDEO_MP4}, who="readonly"),
    delete(f"{P}/entries/{SECOND}"),
    delete(f"{P}/entries/{LAST}"),
    delete(f"{P}/entries/1", note="an entry of another playlist"),
    delete(f"{P}/entries/9999"),
    delete(f"/api/playlists/9999/entries/{FIRST}"),
    delete(f"{P}/entries/{FIRST}", who="readonly"),
    put(f"{P}/reorder", {"entry_ids": list(reversed(PLAYLIST_SMALL_ENTRIES))}),
    put(f"{P}/reorder", {"entry_ids": PLAYLIST_SMALL_ENTRIES}, note="same order"),
    put(f"{P}/reorder", {"entry_ids": [FIRST]}, note="not every entry"),
    put(f"{P}/reorder", {"entry_ids": [FIRST, *PLAYLIST_SMALL_ENTRIES[:-1]]}, note="duplicate"),
    put(f"{P}/reorder", {"entry_ids": [*PLAYLIST_SMALL_ENTRIES[:-1], 1]}, note="foreign entry"),
    put(f"{P}/reorder", {"entry_ids": []}),
    put(f"{P}/reorder", {"entry_ids": "1,2"}),
    put(f"{P}/reorder", {}),
    put(f"{P}/reorder", MALFORMED_JSON),
    put("/api/playlists/9999/reorder", {"entry_ids": [1]}),
    put(f"{P}/reorder", {"entry_ids": PLAYLIST_SMALL_ENTRIES}, who="readonly"),
]

CASES = LIST + CREATE + ONE + ENTRIES
