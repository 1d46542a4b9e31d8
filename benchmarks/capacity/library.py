"""The library every routing is measured on: the default demo library (`seed_library`:
200 artists, 5,000 videos, 20 playlists, 24 videos with files), the ids the Locust users
pick from, and the warm-up that fills the caches a running MVidarr would have filled.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import select

from benchmarks.locustfiles.library import (
    HOT_PAGES,
    PAGE,
    PAGES,
    STREAM_RANGE,
    Library,
    common_words,
)
from shared_models.database import create_sync_engine, sync_session_factory
from shared_models.demo.seed import SeedReport, seed_library
from shared_models.demo.upstream_urls import upstream_urls
from shared_models.migrate import upgrade
from shared_models.models import Artist, Download, Playlist, Video, VideoStatus

LIVE_DOWNLOADS = ("queued", "downloading")
WARM_SIZES = ("small", "medium")
WARM_CONCURRENCY = 16
WARM_LIMITS = httpx.Limits(max_connections=WARM_CONCURRENCY)


def seed(database_url: str, media_root: Path, upstreams_root: str) -> SeedReport:
    upgrade(database_url)
    urls = upstream_urls(upstreams_root)
    return seed_library(
        database_url,
        media_root,
        video_url_template=urls.video_url_template,
        image_url_template=urls.image_url_template,
    )


def describe(database_url: str, hot_video_ids: list[int]) -> Library:
    """Ids and words of the seeded library, read from the database."""
    engine = create_sync_engine(database_url)
    try:
        with sync_session_factory(engine)() as session:
            videos = session.execute(
                select(Video.id, Video.title, Video.status, Video.imvdb_id, Video.local_path)
            ).all()
            artists = session.execute(select(Artist.id, Artist.name)).all()
            playlist_ids = list(session.scalars(select(Playlist.id).order_by(Playlist.id)))
            busy = set(
                session.scalars(
                    select(Download.video_id).where(Download.status.in_(LIVE_DOWNLOADS))
                )
            )
    finally:
        engine.dispose()
    files = {row.id: (row.local_path or "").lower() for row in videos if row.local_path}
    return Library(
        hot_video_ids=hot_video_ids,
        refresh_video_ids=[row.id for row in videos if (row.imvdb_id or "").isdigit()],
        video_imvdb_ids={
            str(row.id): row.imvdb_id for row in videos if (row.imvdb_id or "").isdigit()
        },
        download_video_ids=[
            row.id for row in videos if row.status == VideoStatus.WANTED and row.id not in busy
        ],
        mp4_video_ids=[video_id for video_id, path in files.items() if path.endswith(".mp4")],
        mkv_video_ids=[video_id for video_id, path in files.items() if path.endswith(".mkv")],
        artist_ids=[row.id for row in artists],
        playlist_ids=playlist_ids,
        video_words=common_words([row.title for row in videos]),
        artist_words=common_words([row.name for row in artists]),
        listing_pages=max(1, math.ceil(len(videos) / PAGE)),
        artist_pages=max(1, math.ceil(len(artists) / PAGE)),
    )


def hot_video_ids(base_url: str) -> list[int]:
    """The videos on the first pages of the default listing: what users see and open."""
    ids: list[int] = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for page in range(HOT_PAGES):
            answer = client.get(f"/api/videos/?limit={PAGE}&offset={PAGE * page}")
            answer.raise_for_status()
            ids += [video["id"] for video in answer.json()["videos"]]
    return ids


def warm_up(base_url: str, library: Library) -> int:
    """Fill the caches a running MVidarr has: thumbnails of what users see (fetched from
    the simulated host and resized with Pillow once, then served from the disk cache),
    every artist's thumbnail, and one request of each kind. Returns how many requests
    failed (a thumbnail whose source is missing is a 404 on both apps and not counted)."""
    thumbnails = [
        f"/api/videos/{video_id}/thumbnail/{size}"
        for video_id in library.hot_video_ids
        for size in WARM_SIZES
    ]
    thumbnails += [f"/api/artists/{artist_id}/thumbnail" for artist_id in library.artist_ids]
    checks = [*PAGES, "/api/settings/", "/api/downloads/queue", "/api/playlists/"]
    checks += [f"/api/videos/search?q={library.video_words[0]}"]
    with httpx.Client(base_url=base_url, timeout=120, limits=WARM_LIMITS) as client:
        # Each cold thumbnail waits for the simulated host: fetch them side by side.
        with ThreadPoolExecutor(WARM_CONCURRENCY) as pool:
            statuses = list(pool.map(lambda path: client.get(path).status_code, thumbnails))
        failed = sum(status not in (200, 404) for status in statuses)
        failed += sum(client.get(path).status_code != 200 for path in checks)
        for video_id in library.mp4_video_ids[:2]:
            answer = client.get(
                f"/api/videos/{video_id}/stream",
                headers={"Range": STREAM_RANGE, "Accept-Encoding": "identity"},
            )
            failed += answer.status_code != 206
    return failed
