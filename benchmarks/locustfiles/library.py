"""What the users pick from: ids and words of the seeded library.

The runner (`benchmarks.capacity.library`) reads them from the database and names the JSON
file in `MVBENCH_LIBRARY`; without it (Locust started by hand, or against the compose
stack) they are read from the API of the host under test when the test starts. Users
choose from these lists at random, so every routing sees the same mix of rows.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

ENV_VAR = "MVBENCH_LIBRARY"
# Shared with the runner's warm-up (this module imports nothing of Locust, which patches
# the standard library with gevent when imported).
HOT_PAGES = 3  # pages of the default listing whose thumbnails the warm-up generates
PAGES = ("/", "/videos", "/artists", "/downloads", "/playlists", "/settings")
STREAM_RANGE = "bytes=0-65535"
PAGE = 50
SEARCH_WORDS = 40
WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Library:
    hot_video_ids: list[int]  # on the first pages of the default listing: thumbnails warm
    refresh_video_ids: list[int]  # have an IMVDb id: a refresh is one IMVDb call
    download_video_ids: list[int]  # WANTED, no live download: safe to queue
    mp4_video_ids: list[int]  # DOWNLOADED as mp4: served from the file, Range works
    mkv_video_ids: list[int]  # DOWNLOADED as mkv: live remux by ffmpeg
    artist_ids: list[int]
    playlist_ids: list[int]
    video_words: list[str]  # words of titles and artist names (library search)
    artist_words: list[str]  # words of artist names (IMVDb search)
    listing_pages: int  # pages of 50 in the full video listing
    artist_pages: int  # pages of 50 in the artist listing
    extra: dict[str, Any] = field(default_factory=dict)
    # The IMVDb id of each refresh video (str(video id) -> id): the seed mix's delay subject.
    video_imvdb_ids: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1)


def load_library(path: str | os.PathLike[str] | None = None) -> Library:
    source = Path(path or os.environ[ENV_VAR])
    return Library(**json.loads(source.read_text()))


def common_words(names: list[str], count: int = SEARCH_WORDS) -> list[str]:
    words = Counter(word.lower() for name in names for word in WORD.findall(name))
    return [word for word, _ in words.most_common(count)]


def _get(base_url: str, path: str) -> Any:
    request = Request(base_url.rstrip("/") + path, headers={"Accept": "application/json"})
    with urlopen(request, timeout=60) as answer:
        return json.load(answer)


def discover(base_url: str) -> Library:
    """The same lists, read through the API (a sample of at most 500 rows per kind)."""
    hot = [
        video["id"]
        for page in range(HOT_PAGES)
        for video in _get(base_url, f"/api/videos/?limit={PAGE}&offset={PAGE * page}")["videos"]
    ]
    listing = _get(base_url, "/api/videos/?limit=500")
    wanted = _get(base_url, "/api/videos/?status=WANTED&limit=500")["videos"]
    busy = {row["video_id"] for row in _get(base_url, "/api/downloads/queue")["downloads"]}
    files = [
        (video["id"], (video["local_path"] or "").lower())
        for video in _get(base_url, "/api/videos/?status=DOWNLOADED&limit=500")["videos"]
    ]
    artists = _get(base_url, "/api/artists/?per_page=200")
    playlists = _get(base_url, "/api/playlists/?per_page=200")["playlists"]
    return Library(
        hot_video_ids=hot,
        refresh_video_ids=[
            v["id"] for v in listing["videos"] if str(v["imvdb_id"] or "").isdigit()
        ],
        video_imvdb_ids={
            str(v["id"]): str(v["imvdb_id"])
            for v in listing["videos"]
            if str(v["imvdb_id"] or "").isdigit()
        },
        download_video_ids=[v["id"] for v in wanted if v["id"] not in busy],
        mp4_video_ids=[video_id for video_id, path in files if path.endswith(".mp4")],
        mkv_video_ids=[video_id for video_id, path in files if path.endswith(".mkv")],
        artist_ids=[artist["id"] for artist in artists["artists"]],
        playlist_ids=[playlist["id"] for playlist in playlists],
        video_words=common_words([v["title"] for v in listing["videos"]]),
        artist_words=common_words([artist["name"] for artist in artists["artists"]]),
        listing_pages=max(1, math.ceil(listing["total"] / PAGE)),
        artist_pages=max(1, math.ceil(artists["total"] / PAGE)),
    )
