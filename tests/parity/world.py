"""The state both backends see: one database and one media root, seeded once, put back
after any request that changed them.

The library is the deterministic demo seed (fixed clock, fixed ids) plus a few rows the
cases need for edge cases (see `add_edge_cases`). `Snapshot` reads every table and the
media tree; `World.restore` puts back only what differs from the seeded state: the changed
tables and the tables that depend on them (delete + re-insert, in one transaction; on
MariaDB the AUTO_INCREMENT counters are reset too, so both backends get the same new ids),
and the changed files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pymysql
from sqlalchemy import Engine, Executable, Table, delete, insert, select, text, update
from sqlalchemy.engine import make_url

from shared_models.database import create_sync_engine, is_sqlite
from shared_models.demo.defaults import DEMO_API_KEY
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.migrate import upgrade
from shared_models.models import (
    ApiKey,
    AppSetting,
    Artist,
    Base,
    Download,
    DownloadStatus,
    PlaylistEntry,
    User,
    UserRole,
    Video,
    VideoStatus,
)
from shared_models.security import hash_api_key, hash_password

# Every seeded timestamp is at or before SEED_NOW; anything later was written by a request.
SEED_NOW = datetime(2025, 1, 15, 12, 0, 0)
SEED_COUNTS = {"artists": 4, "videos": 24, "playlists": 3}
SECRET_KEY = "parity-secret-key"
PASSWORD = "parity-password"

# Ids the cases use. `check_seed` verifies each fact, so a change to the demo seed fails
# here, loudly, instead of quietly changing what the cases test.
VIDEO_MP4 = 1  # DOWNLOADED, mp4 file, thumbnail file beside it
VIDEO_MONITORED = 2
VIDEO_ACTIVE_DOWNLOAD = 3  # has a queued download (9)
VIDEO_WANTED = 4  # has a cancelled download (7)
VIDEO_MKV = 7  # DOWNLOADED, mkv file (live remux), no thumbnail file
VIDEO_WEBM = 19
ARTIST_ONE = 1  # 6 videos
ARTIST_TWO = 2
PLAYLIST_ONE = 1  # 20 entries (1-20), owned by "user"
PLAYLIST_SMALL = 3  # 12 entries, owned by "admin"
PLAYLIST_SMALL_ENTRIES = list(range(41, 53))
DOWNLOAD_COMPLETED = 1
DOWNLOAD_FAILED = 5  # video 14, no other live download
DOWNLOAD_CANCELLED = 7  # video 4
DOWNLOAD_RUNNING = 8  # "downloading", no thread behind it
DOWNLOAD_QUEUED = 9  # video 3
# Rows added after the seed (add_edge_cases).
EDGE_ARTIST = 100  # no IMVDb id, no videos but the edge videos
VIDEO_OUTSIDE_ROOT = 100  # local_path and thumbnail_path point outside MEDIA_ROOT
VIDEO_FILE_MISSING = 101  # local_path names a file that does not exist
VIDEO_THUMBNAIL_NOT_IMAGE = 102  # thumbnail_path is a text file
VIDEO_THUMBNAIL_URL_FAILS = 103  # thumbnail_url answers 500
VIDEO_NOTHING = 104  # no URL, no youtube id, no thumbnail
VIDEO_FRESH = 105  # WANTED, a youtube id, never downloaded: download cases start here
VIDEO_YOUTUBE_ID_ONLY = 106  # a youtube id but no URL: downloads use VIDEO_URL_TEMPLATE
DOWNLOAD_BLOCKED_RETRY = 100  # failed, but its video (3) has a live download (9)
# Users by name (passwords: the demo's for the first three, PASSWORD for the others).
USERS = {
    "admin": 1,
    "user": 2,
    "readonly": 3,
    "manager": 4,
    "disabled": 5,  # inactive
    "locked": 6,  # locked until 2099
    "almost": 7,  # four failed logins: the next failure locks
    "idle": 8,  # nobody logs in as it: delete and update cases use it
    "expired": 9,  # five failures, but the lock ran out: the count starts again
}
API_KEYS = {"key:user": DEMO_API_KEY}
EXTRA_API_KEYS = {
    # name -> (id, key, role, active)
    "key:readonly": (2, "mvk_parity-readonly-key", UserRole.READONLY, True),
    "key:admin": (3, "mvk_parity-admin-key", UserRole.ADMIN, True),
    "key:revoked": (4, "mvk_parity-revoked-key", UserRole.ADMIN, False),
}


def edge_rows(upstreams: UpstreamURLs) -> dict[type, list[dict[str, Any]]]:
    created = SEED_NOW - timedelta(days=1)
    stamp = {"created_at": created, "updated_at": created}
    video = {
        "artist_id": EDGE_ARTIST,
        "imvdb_id": None,
        "youtube_id": None,
        "youtube_url": None,
        "status": VideoStatus.WANTED,
        "local_path": None,
        "duration": None,
        "year": 2001,
        "quality": None,
        "description": None,
        "genres": [],
        "thumbnail_url": None,
        "thumbnail_path": None,
        **stamp,
    }
    users = [
        ("manager", UserRole.MANAGER, True, 0, None),
        ("disabled", UserRole.USER, False, 0, None),
        ("locked", UserRole.USER, True, 5, datetime(2099, 1, 1)),
        ("almost", UserRole.USER, True, 4, None),
        ("idle", UserRole.USER, True, 0, None),
        ("expired", UserRole.USER, True, 5, datetime(2024, 1, 1)),
    ]
    password_hash = hash_password(PASSWORD)
    return {
        Artist: [
            {
                "id": EDGE_ARTIST,
                "name": "Edge Cases",
                "imvdb_id": None,
                "musicbrainz_id": None,
                "genres": [],
                "monitored": False,
                "auto_download": False,
                "folder_path": "edge",
                "thumbnail_url": None,
                "thumbnail_path": None,
                **stamp,
            }
        ],
        Video: [
            video
            | {
                "id": VIDEO_OUTSIDE_ROOT,
                "title": "Outside the root",
                "local_path": "../outside.mp4",
                "thumbnail_path": "../outside.jpg",
            },
            video
            | {"id": VIDEO_FILE_MISSING, "title": "Missing file", "local_path": "edge/gone.mp4"},
            video
            | {
                "id": VIDEO_THUMBNAIL_NOT_IMAGE,
                "title": "Not an image",
                "thumbnail_path": "edge/not-an-image.jpg",
            },
            video
            | {
                "id": VIDEO_THUMBNAIL_URL_FAILS,
                "title": "Broken thumbnail URL",
                "thumbnail_url": f"{upstreams.root}/media/status/500",
            },
            video | {"id": VIDEO_NOTHING, "title": "Nothing at all"},
            video
            | {
                "id": VIDEO_FRESH,
                "title": "Fresh Video",
                "youtube_id": "parityFresh",
                "youtube_url": upstreams.video_url_template.format(youtube_id="parityFresh"),
            },
            video
            | {
                "id": VIDEO_YOUTUBE_ID_ONLY,
                "title": "Template Only",
                "youtube_id": "parityTemplate",
            },
        ],
        User: [
            {
                "id": USERS[name],
                "username": name,
                "password_hash": password_hash,
                "role": role,
                "is_active": active,
                "failed_login_attempts": failures,
                "locked_until": locked_until,
                "last_login": None,
                **stamp,
            }
            for name, role, active, failures, locked_until in users
        ],
        ApiKey: [
            {
                "id": key_id,
                "name": f"parity {name}",
                "key_hash": hash_api_key(key),
                "key_prefix": key[:8],
                "role": role,
                "user_id": None,
                "is_active": active,
                "last_used_at": None,
                **stamp,
            }
            for name, (key_id, key, role, active) in EXTRA_API_KEYS.items()
        ],
        Download: [
            {
                "id": DOWNLOAD_BLOCKED_RETRY,
                "video_id": VIDEO_ACTIVE_DOWNLOAD,
                "url": upstreams.video_url_template.format(youtube_id="parityBlocked"),
                "status": DownloadStatus.FAILED,
                "progress": 0.0,
                "priority": 5,
                "error_message": "ERROR: an earlier attempt failed",
                "attempts": 1,
                "job_id": f"download:{DOWNLOAD_BLOCKED_RETRY}",
                "started_at": created,
                "completed_at": created,
                **stamp,
            }
        ],
    }


def add_edge_cases(engine: Engine, media_root: Path, upstreams: UpstreamURLs) -> None:
    with engine.begin() as connection:
        for model, rows in edge_rows(upstreams).items():
            connection.execute(insert(model), rows)
    edge = media_root / "edge"
    edge.mkdir(parents=True, exist_ok=True)
    (edge / "not-an-image.jpg").write_text("this is not a JPEG\n")


def check_seed(engine: Engine) -> None:
    """The facts the case tables rely on (see the constants above)."""
    with engine.connect() as connection:
        videos = {row.id: row for row in connection.execute(select(Video.__table__))}
        downloads = {row.id: row for row in connection.execute(select(Download.__table__))}
        entries = list(connection.execute(select(PlaylistEntry.__table__)))
        user_ids = dict(connection.execute(select(User.username, User.id)).all())
    mp4 = videos[VIDEO_MP4]
    facts = {
        "video 1 is a downloaded mp4 with a thumbnail file": (mp4.local_path or "").endswith(".mp4")
        and mp4.thumbnail_path is not None,
        "video 7 is a downloaded mkv": (videos[VIDEO_MKV].local_path or "").endswith(".mkv"),
        "video 19 is a downloaded webm": (videos[VIDEO_WEBM].local_path or "").endswith(".webm"),
        "video 3 has a live download": videos[VIDEO_ACTIVE_DOWNLOAD].status == "DOWNLOADING",
        "download 5 failed, 7 cancelled, 8 running, 9 queued for video 3": [
            (downloads[i].status, downloads[i].video_id)
            for i in (DOWNLOAD_FAILED, DOWNLOAD_CANCELLED, DOWNLOAD_RUNNING, DOWNLOAD_QUEUED)
        ]
        == [
            ("failed", 14),
            ("cancelled", VIDEO_WANTED),
            ("downloading", 17),
            ("queued", VIDEO_ACTIVE_DOWNLOAD),
        ],
        "the users have the ids USERS says": user_ids == USERS,
        "playlist 3 holds entries 41-52": [
            entry.id for entry in entries if entry.playlist_id == PLAYLIST_SMALL
        ]
        == PLAYLIST_SMALL_ENTRIES,
    }
    broken = [fact for fact, holds in facts.items() if not holds]
    if broken:
        raise AssertionError(f"the demo seed changed; update tests/parity/world.py: {broken}")


# Named changes a case can ask for before its request (Case.setup); the restore after the
# request puts the seeded state back.
SETUPS: dict[str, Executable] = {
    "login_required": update(AppSetting)
    .where(AppSetting.key == "require_authentication")
    .values(value="true"),
    "no_active_admin": update(User).where(User.role == UserRole.ADMIN).values(is_active=False),
    "no_settings": delete(AppSetting),
}


# -- databases ----------------------------------------------------------------------------


def own_database_url(database_url: str, directory: Path) -> str:
    """A database of the same kind as `database_url` that only the parity suite uses
    (other suites empty the shared test database before each of their tests)."""
    if is_sqlite(database_url):
        return f"sqlite:///{directory / 'parity.db'}"
    url = make_url(database_url)
    name = f"{url.database}_parity"
    with _mariadb_admin(database_url) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    if is_sqlite(database_url):
        return
    name = make_url(database_url).database
    with _mariadb_admin(database_url) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def _mariadb_admin(database_url: str) -> pymysql.Connection:
    url = make_url(database_url)
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        connect_timeout=5,
    )


# -- snapshots ------------------------------------------------------------------------------

Rows = dict[tuple[Any, ...], dict[str, Any]]
TABLES: list[Table] = list(Base.metadata.sorted_tables)  # parents before children


def dependents(tables: set[str]) -> set[str]:
    """`tables` and every table whose rows a change to them can cascade into."""
    found = set(tables)
    grew = True
    while grew:
        grew = False
        for table in TABLES:
            if table.name in found:
                continue
            if any(fk.column.table.name in found for fk in table.foreign_keys):
                found.add(table.name)
                grew = True
    return found


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, Rows]
    files: dict[str, FileState]

    @classmethod
    def take(cls, engine: Engine, media_root: Path) -> Snapshot:
        tables: dict[str, Rows] = {}
        with engine.connect() as connection:
            for table in TABLES:
                key = [column.name for column in table.primary_key.columns]
                rows = connection.execute(select(table)).mappings()
                tables[table.name] = {tuple(row[k] for k in key): dict(row) for row in rows}
        return cls(tables, media_files(media_root))


def media_files(media_root: Path) -> dict[str, FileState]:
    files = {}
    for path in media_root.rglob("*"):
        if path.is_file() or path.is_symlink():
            stat = path.lstat()
            files[path.relative_to(media_root).as_posix()] = FileState(
                stat.st_size, stat.st_mtime_ns
            )
    return files


# -- the world ------------------------------------------------------------------------------


@dataclass
class World:
    database_url: str
    engine: Engine
    media_root: Path
    pristine_media: Path  # a copy of the seeded media tree, to put files back from
    upstreams: UpstreamURLs
    baseline: Snapshot

    @classmethod
    def build(
        cls, database_url: str, directory: Path, upstreams: UpstreamURLs, clips_dir: Path
    ) -> World:
        upgrade(database_url)
        engine = create_sync_engine(database_url)
        media_root = directory / "media"
        seed_library(
            engine,
            media_root,
            **SEED_COUNTS,
            now=SEED_NOW,
            video_url_template=upstreams.video_url_template,
            image_url_template=upstreams.image_url_template,
            clips_dir=clips_dir,
        )
        add_edge_cases(engine, media_root, upstreams)
        check_seed(engine)
        pristine = directory / "pristine-media"
        shutil.copytree(media_root, pristine, symlinks=True)
        return cls(
            database_url, engine, media_root, pristine, upstreams, Snapshot.take(engine, media_root)
        )

    def snapshot(self) -> Snapshot:
        return Snapshot.take(self.engine, self.media_root)

    def restore(self, current: Snapshot) -> None:
        """Back to the seeded state, from `current` (a snapshot of the state now)."""
        changed = {
            name for name, rows in current.tables.items() if rows != self.baseline.tables[name]
        }
        if changed:
            self._restore_tables(dependents(changed))
        if current.files != self.baseline.files:
            self._restore_files(current.files)

    def _restore_tables(self, names: set[str]) -> None:
        tables = [table for table in TABLES if table.name in names]
        with self.engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                # Generated columns (downloads.live_video_id) are the database's to fill.
                written = [column.name for column in table.columns if column.computed is None]
                rows = [
                    {name: row[name] for name in written}
                    for row in self.baseline.tables[table.name].values()
                ]
                if rows:
                    connection.execute(table.insert(), rows)
        if not is_sqlite(self.database_url):
            # InnoDB keeps AUTO_INCREMENT past deleted rows; set it back to max(id) + 1 so
            # the next backend's new rows get the ids the previous one's got.
            with self.engine.begin() as connection:
                for table in tables:
                    if table.autoincrement_column is not None:
                        connection.execute(text(f"ALTER TABLE `{table.name}` AUTO_INCREMENT = 1"))

    def _restore_files(self, current: dict[str, FileState]) -> None:
        for relative, state in current.items():
            if self.baseline.files.get(relative) != state:
                (self.media_root / relative).unlink()
        for relative, state in self.baseline.files.items():
            if current.get(relative) != state:
                target = self.media_root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                # copy2 keeps the mtime, so the restored file equals the baseline again.
                shutil.copy2(self.pristine_media / relative, target)
        # Folders a request created (the thumbnail cache) go too, if they are now empty.
        for folder in sorted(self.media_root.rglob("*"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                baseline_dirs = {str(Path(p).parent) for p in self.baseline.files}
                if folder.relative_to(self.media_root).as_posix() not in baseline_dirs:
                    folder.rmdir()

    def close(self) -> None:
        self.engine.dispose()
