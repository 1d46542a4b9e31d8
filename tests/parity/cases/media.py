"""Binary answers: the video stream (a file with Range, or a live ffmpeg remux) and the
thumbnails (resized JPEGs, cached on disk)."""

from __future__ import annotations

from typing import Any

from tests.parity.case import Case, get, head
from tests.parity.world import (
    ARTIST_ONE,
    EDGE_ARTIST,
    VIDEO_FILE_MISSING,
    VIDEO_MKV,
    VIDEO_MONITORED,
    VIDEO_MP4,
    VIDEO_NOTHING,
    VIDEO_OUTSIDE_ROOT,
    VIDEO_THUMBNAIL_NOT_IMAGE,
    VIDEO_THUMBNAIL_URL_FAILS,
    VIDEO_WEBM,
)

MP4 = f"/api/videos/{VIDEO_MP4}/stream"


def ranged(path: str, value: str, note: str = "", **options: Any) -> Case:
    """A GET with a Range header; the range goes into the case's id."""
    label = f"Range {value}" + (f", {note}" if note else "")
    return get(path, headers={"Range": value}, note=label, **options)


STREAM = [
    get(MP4),
    head(MP4),
    ranged(MP4, "bytes=0-99"),
    ranged(MP4, "bytes=100-"),
    ranged(MP4, "bytes=-100"),
    ranged(MP4, "bytes=0-0"),
    ranged(MP4, "bytes=500-1000000000"),
    ranged(MP4, "bytes=999999999-"),
    ranged(MP4, "bytes=0-1,5-6"),
    ranged(MP4, "bytes=abc"),
    ranged(MP4, "items=0-10"),
    get(f"/api/videos/{VIDEO_WEBM}/stream"),
    ranged(f"/api/videos/{VIDEO_WEBM}/stream", "bytes=10-20"),
    get(f"/api/videos/{VIDEO_MKV}/stream", note="live remux"),
    ranged(f"/api/videos/{VIDEO_MKV}/stream", "bytes=0-99", note="live remux ignores Range"),
    get(f"/api/videos/{VIDEO_FILE_MISSING}/stream"),
    get(f"/api/videos/{VIDEO_OUTSIDE_ROOT}/stream"),
    get(f"/api/videos/{VIDEO_NOTHING}/stream"),
    get("/api/videos/9999/stream"),
    get(MP4, who="readonly"),
    get(MP4, auth_required=True),
    ranged(MP4, "bytes=0-99", who="user", auth_required=True),
    get(MP4, who="key:unknown"),
]

VIDEO_THUMBNAILS = [
    get(f"/api/videos/{VIDEO_MP4}/thumbnail", note="from the file beside the video"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/small"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/large"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/medium"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/huge"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/Small", note="sizes are lower case"),
    get(f"/api/videos/{VIDEO_MONITORED}/thumbnail", note="fetched from thumbnail_url"),
    get(f"/api/videos/{VIDEO_MONITORED}/thumbnail/small", note="fetched from thumbnail_url"),
    get(f"/api/videos/{VIDEO_THUMBNAIL_NOT_IMAGE}/thumbnail"),
    get(f"/api/videos/{VIDEO_THUMBNAIL_URL_FAILS}/thumbnail"),
    get(f"/api/videos/{VIDEO_NOTHING}/thumbnail"),
    get(f"/api/videos/{VIDEO_NOTHING}/thumbnail/huge", note="size checked first"),
    get(f"/api/videos/{VIDEO_OUTSIDE_ROOT}/thumbnail"),
    get("/api/videos/9999/thumbnail"),
    get("/api/videos/9999/thumbnail/small"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/", note="no size"),
    get(f"/api/videos/{VIDEO_MONITORED}/thumbnail", variant="private_hosts_refused"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail", auth_required=True),
]

ARTIST_THUMBNAILS = [
    get(f"/api/artists/{ARTIST_ONE}/thumbnail"),
    get(f"/api/artists/{EDGE_ARTIST}/thumbnail", note="none"),
    get("/api/artists/9999/thumbnail"),
    get(f"/api/artists/{ARTIST_ONE}/thumbnail/small", note="artists have one size"),
    get(f"/api/artists/{ARTIST_ONE}/thumbnail", who="key:readonly"),
]

FUTURE = "Thu, 01 Jan 2099 00:00:00 GMT"
PAST = "Mon, 01 Jan 2001 00:00:00 GMT"


def conditional(path: str, headers: dict[str, str], note: str) -> Case:
    return get(path, headers=headers, note=note)


# Conditional requests: a browser revalidating its cached copy gets 304 from both apps.
CONDITIONAL = [
    conditional(MP4, {"If-None-Match": "*"}, "If-None-Match * (304)"),
    conditional(MP4, {"If-None-Match": '"other"'}, "If-None-Match another tag (200)"),
    conditional(MP4, {"If-None-Match": 'W/"other", *'}, "weak tag list with * (304)"),
    conditional(MP4, {"If-Modified-Since": FUTURE}, "If-Modified-Since later (304)"),
    conditional(MP4, {"If-Modified-Since": PAST}, "If-Modified-Since earlier (200)"),
    conditional(MP4, {"If-Modified-Since": "not a date"}, "If-Modified-Since unreadable"),
    conditional(
        MP4, {"If-None-Match": '"other"', "If-Modified-Since": FUTURE}, "the tag decides (200)"
    ),
    conditional(MP4, {"Range": "bytes=0-99", "If-None-Match": "*"}, "Range wins over 304"),
    conditional(MP4, {"Range": "bytes=0-99", "If-Range": '"other"'}, "If-Range mismatch (200)"),
    conditional(MP4, {"Range": "bytes=0-99", "If-Range": PAST}, "If-Range old date (200)"),
    conditional(
        f"/api/videos/{VIDEO_MP4}/thumbnail/small", {"If-None-Match": "*"}, "thumbnail 304"
    ),
    conditional(
        f"/api/videos/{VIDEO_MP4}/thumbnail", {"If-Modified-Since": FUTURE}, "thumbnail 304"
    ),
    conditional(
        f"/api/artists/{ARTIST_ONE}/thumbnail", {"If-Modified-Since": PAST}, "thumbnail 200"
    ),
]

CASES = STREAM + VIDEO_THUMBNAILS + ARTIST_THUMBNAILS + CONDITIONAL
