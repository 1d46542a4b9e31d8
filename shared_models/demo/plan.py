"""The demo library as rows, decided before anything is written: a pure function of the
counts, the catalog, the clock and the URL templates (same inputs, same rows).

The library is the catalog's first `artists` artists; `videos` are taken round-robin from
them so every artist gets about the same number. A handful of videos are DOWNLOADED with
real files (mp4, mkv and webm, in turn); a few more carry downloads in every state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared_models.demo import words
from shared_models.demo.catalog import Catalog, CatalogArtist, CatalogVideo, plural
from shared_models.demo.clips import CLIPS, POSTER
from shared_models.media import safe_filename
from shared_models.models import DownloadStatus, VideoStatus

LIBRARY_SEED = "mvidarr-demo-library-v1"
# Files cycle through these, so even a tiny library has an mp4 and an mkv.
DOWNLOADED_CLIPS = ("testsrc.mp4", "testsrc2.mkv", "smptebars.mp4", "rgbtestsrc.webm")
MAX_DOWNLOADED_VIDEOS = 24
LIBRARY_AGE = timedelta(days=400)
# Status of the videos that have no file and no download, with their weights.
UNDOWNLOADED_STATUSES = (
    (VideoStatus.WANTED, 60),
    (VideoStatus.MONITORED, 25),
    (VideoStatus.IGNORED, 10),
    (VideoStatus.FAILED, 5),
)

Row = dict[str, Any]


class SeedError(ValueError):
    """Counts or templates the seed cannot honour; nothing has been written."""


@dataclass(frozen=True)
class MediaFile:
    relative_path: str  # under MEDIA_ROOT
    clip_name: str  # which clip from shared_models.demo.clips it is a copy of


@dataclass
class LibraryPlan:
    artists: list[Row] = field(default_factory=list)
    videos: list[Row] = field(default_factory=list)
    playlists: list[Row] = field(default_factory=list)  # "owner" is a username to resolve
    playlist_entries: list[Row] = field(default_factory=list)
    downloads: list[Row] = field(default_factory=list)
    media_files: list[MediaFile] = field(default_factory=list)


def check_request(
    catalog: Catalog, artists: int, videos: int, playlists: int, video_url_template: str
) -> None:
    """Refuse counts or a template the seed cannot honour, before anything is touched."""
    for name, value in (("artists", artists), ("videos", videos), ("playlists", playlists)):
        if value < 0:
            raise SeedError(f"{name} must not be negative")
    if artists > len(catalog.artists):
        raise SeedError(f"the demo catalog has only {len(catalog.artists)} artists")
    if videos and not artists:
        raise SeedError("videos need at least one artist")
    capacity = sum(artist.video_count for artist in catalog.artists[:artists])
    if videos > capacity:
        raise SeedError(
            f"the demo catalog has {capacity} videos for {artists} artists; "
            "ask for fewer videos or more artists"
        )
    if "{youtube_id}" not in video_url_template:
        raise SeedError("video_url_template must contain {youtube_id}")


def videos_per_artist(chosen: tuple[CatalogArtist, ...], videos: int) -> list[int]:
    """How many videos to take from each artist: round-robin, within each one's catalog."""
    taken = [0] * len(chosen)
    remaining = videos
    while remaining:
        for position, artist in enumerate(chosen):
            if remaining and taken[position] < artist.video_count:
                taken[position] += 1
                remaining -= 1
    return taken


def _unique_folder(name: str, imvdb_id: int, taken: set[str]) -> str:
    folder = safe_filename(name)
    if folder in taken:
        folder = f"{folder} ({imvdb_id})"
    taken.add(folder)
    return folder


def plan_library(
    catalog: Catalog,
    *,
    artists: int,
    videos: int,
    playlists: int,
    now: datetime,
    video_url_template: str,
    image_url_template: str | None,
    clip_sizes: dict[str, int] | None = None,
) -> LibraryPlan:
    check_request(catalog, artists, videos, playlists, video_url_template)
    rng = random.Random(LIBRARY_SEED)
    start = now - LIBRARY_AGE
    chosen = catalog.artists[:artists]
    plan = LibraryPlan()
    folders: set[str] = set()
    for artist_id, (artist, count) in enumerate(
        zip(chosen, videos_per_artist(chosen, videos), strict=True), start=1
    ):
        created = start + timedelta(minutes=artist_id * 97)
        plan.artists.append(
            _artist_row(artist, artist_id, created, rng, folders, image_url_template)
        )
        for video in catalog.videos_of(artist)[:count]:
            video_id = len(plan.videos) + 1
            added = created + timedelta(minutes=video_id % 90)
            plan.videos.append(
                _video_row(video, video_id, artist_id, added, rng)
                | {
                    "youtube_url": video_url_template.format(youtube_id=video.youtube_id),
                    "thumbnail_url": _image_url(image_url_template, video.image_name),
                }
            )
    artist_rows = {row["id"]: row for row in plan.artists}
    downloaded = _mark_downloaded(plan, artist_rows)
    _add_downloads(plan, downloaded, rng, now, clip_sizes or {})
    _add_playlists(plan, playlists, rng, start)
    return plan


def _image_url(template: str | None, stem: str) -> str | None:
    """The original-size ("-o") image on the simulator, or None without a template."""
    return template.format(name=f"{stem}-o") if template else None


def _artist_row(
    artist: CatalogArtist,
    row_id: int,
    created: datetime,
    rng: random.Random,
    folders: set[str],
    image_url_template: str | None,
) -> Row:
    monitored = rng.random() < 0.3
    return {
        "id": row_id,
        "name": artist.name,
        "imvdb_id": str(artist.imvdb_id),
        "musicbrainz_id": artist.musicbrainz_id,
        "genres": list(artist.genres),
        "monitored": monitored,
        "auto_download": monitored and rng.random() < 0.3,
        "folder_path": _unique_folder(artist.name, artist.imvdb_id, folders),
        "thumbnail_url": _image_url(image_url_template, artist.image_name),
        "thumbnail_path": None,
        "created_at": created,
        "updated_at": created,
    }


def _video_row(
    video: CatalogVideo, row_id: int, artist_id: int, created: datetime, rng: random.Random
) -> Row:
    """A video without a file; `_mark_downloaded` and `_add_downloads` change some later."""
    statuses, weights = zip(*UNDOWNLOADED_STATUSES, strict=True)
    return {
        "id": row_id,
        "artist_id": artist_id,
        "title": video.title,
        "imvdb_id": str(video.imvdb_id),
        "youtube_id": video.youtube_id,
        "status": rng.choices(statuses, weights)[0],
        "local_path": None,
        "duration": None,
        "year": video.year,
        "quality": None,
        "description": video.description,
        "genres": list(video.genres),
        "thumbnail_path": None,
        "created_at": created,
        "updated_at": created,
    }


def _downloaded_positions(video_count: int) -> list[int]:
    """Evenly spread rows, starting with the first: a handful, never more than 24."""
    count = min(video_count, MAX_DOWNLOADED_VIDEOS, max(4, video_count // 100))
    return sorted({round(k * video_count / count) for k in range(count)}) if count else []


def _mark_downloaded(plan: LibraryPlan, artist_rows: dict[int, Row]) -> list[Row]:
    downloaded = []
    for turn, position in enumerate(_downloaded_positions(len(plan.videos))):
        video = plan.videos[position]
        artist = artist_rows[video["artist_id"]]
        clip = CLIPS[DOWNLOADED_CLIPS[turn % len(DOWNLOADED_CLIPS)]]
        stem = f"{safe_filename(video['title'])} [{video['youtube_id']}]"
        local_path = f"{artist['folder_path']}/{stem}.{clip.extension}"
        video.update(
            status=VideoStatus.DOWNLOADED,
            local_path=local_path,
            duration=clip.duration,
            quality=clip.quality,
            updated_at=video["created_at"] + timedelta(days=1),
        )
        plan.media_files.append(MediaFile(local_path, clip.name))
        # Every other downloaded video has its thumbnail beside the file, as yt-dlp writes it.
        if turn % 2 == 0:
            video["thumbnail_path"] = f"{artist['folder_path']}/{stem}.jpg"
            plan.media_files.append(MediaFile(video["thumbnail_path"], POSTER.name))
        if artist["thumbnail_path"] is None:
            artist["thumbnail_path"] = f"{artist['folder_path']}/folder.jpg"
            plan.media_files.append(MediaFile(artist["thumbnail_path"], POSTER.name))
        downloaded.append(video)
    return downloaded


def _download_row(video: Row, status: DownloadStatus, created: datetime, **values: Any) -> Row:
    return {
        "video_id": video["id"],
        "url": video["youtube_url"],
        "status": status,
        "progress": 0.0,
        "priority": 5,
        "error_message": None,
        "file_path": None,
        "file_size": None,
        "attempts": 0,
        "job_id": None,
        "started_at": None,
        "completed_at": None,
        "created_at": created,
        "updated_at": created,
    } | values


def _add_downloads(
    plan: LibraryPlan,
    downloaded: list[Row],
    rng: random.Random,
    now: datetime,
    clip_sizes: dict[str, int],
) -> None:
    rows: list[Row] = []
    clip_of = {media.relative_path: media.clip_name for media in plan.media_files}
    # History: the downloads that brought the first files in.
    for days_ago, video in zip((30, 21, 14, 9, 5, 2), downloaded, strict=False):
        started = now - timedelta(days=days_ago, minutes=rng.randint(0, 600))
        finished = started + timedelta(seconds=rng.randint(8, 90))
        rows.append(
            _download_row(
                video,
                DownloadStatus.COMPLETED,
                started - timedelta(seconds=3),
                progress=100.0,
                attempts=1,
                file_path=video["local_path"],
                file_size=clip_sizes.get(clip_of[video["local_path"]]),
                started_at=started,
                completed_at=finished,
                updated_at=finished,
            )
        )
    others = [video for video in plan.videos if video["status"] is not VideoStatus.DOWNLOADED]
    candidates = iter(rng.sample(others, min(len(others), 7)))
    failures = (
        "ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found",
        "ERROR: unable to download video data: HTTP Error 503: Service Unavailable",
    )
    # zip takes from `failures` first, so no candidate is drawn and dropped at the end.
    for error, video in zip(failures, candidates, strict=False):
        created = now - timedelta(days=3, hours=rng.randint(0, 48))
        failed = created + timedelta(minutes=2)
        video["status"] = VideoStatus.FAILED
        rows.append(
            _download_row(
                video,
                DownloadStatus.FAILED,
                created,
                attempts=3,
                error_message=error,
                started_at=created + timedelta(seconds=2),
                completed_at=failed,
                updated_at=failed,
            )
        )
    cancelled = next(candidates, None)
    if cancelled is not None:
        created = now - timedelta(days=1, hours=3)
        stopped = created + timedelta(seconds=40)
        cancelled["status"] = VideoStatus.WANTED
        rows.append(
            _download_row(
                cancelled,
                DownloadStatus.CANCELLED,
                created,
                progress=37.5,
                attempts=1,
                started_at=created + timedelta(seconds=2),
                completed_at=stopped,
                updated_at=stopped,
            )
        )
    # The live queue: one running, three waiting, with different priorities.
    for minutes_ago, status, priority, progress in (
        (6, DownloadStatus.DOWNLOADING, 5, 42.0),
        (4, DownloadStatus.QUEUED, 8, 0.0),
        (3, DownloadStatus.QUEUED, 5, 0.0),
        (1, DownloadStatus.QUEUED, 2, 0.0),
    ):
        video = next(candidates, None)
        if video is None:
            break
        created = now - timedelta(minutes=minutes_ago)
        running = status is DownloadStatus.DOWNLOADING
        video["status"] = VideoStatus.DOWNLOADING
        rows.append(
            _download_row(
                video,
                status,
                created,
                priority=priority,
                progress=progress,
                attempts=1 if running else 0,
                started_at=created + timedelta(seconds=5) if running else None,
                updated_at=now if running else created,
            )
        )
    rows.sort(key=lambda row: row["created_at"])
    plan.downloads = [row | {"id": number} for number, row in enumerate(rows, start=1)]


def _playlist_name(rng: random.Random) -> str:
    patterns = (
        "{adjective} {nouns}",
        "Best of the {decade}s",
        "{genre} essentials",
        "Late night {genre}",
        "{city} sessions",
    )
    name = rng.choice(patterns).format(
        adjective=rng.choice(words.ADJECTIVES),
        nouns=plural(rng.choice(words.NOUNS)),
        decade=rng.choice((1980, 1990, 2000, 2010)),
        genre=rng.choice(words.GENRES),
        city=rng.choice(words.CITIES),
    )
    return name[0].upper() + name[1:]


def _add_playlists(plan: LibraryPlan, count: int, rng: random.Random, start: datetime) -> None:
    owners = ("admin", "user", None)
    video_ids = [video["id"] for video in plan.videos]
    entry_id = 0
    for number in range(1, count + 1):
        created = start + timedelta(days=30 + number * 11)
        name = _playlist_name(rng)
        plan.playlists.append(
            {
                "id": number,
                "name": name,
                "description": f"{name}: picked from the demo library.",
                "owner": owners[number % len(owners)],
                "is_public": rng.random() < 0.75,
                "created_at": created,
                "updated_at": created,
            }
        )
        size = min(len(video_ids), rng.randint(5, 25))
        for position, video_id in enumerate(rng.sample(video_ids, size), start=1):
            entry_id += 1
            plan.playlist_entries.append(
                {
                    "id": entry_id,
                    "playlist_id": number,
                    "video_id": video_id,
                    "position": position,
                    "added_at": created + timedelta(minutes=position),
                }
            )
