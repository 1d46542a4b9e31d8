"""`seed_library`: write the deterministic demo library into a migrated database.

    seed_library("sqlite:///data/mvidarr.db", Path("data/media"))        # 200 artists, 5,000 videos
    seed_library(engine, media_root, artists=5, videos=20, with_media=False)

Order matters for "loses nothing": the plan is computed and checked first, the media files
are written next (copies, harmless if the database step fails), and every row goes in one
transaction, so a failed seed leaves the database as it was. Rows are bulk-inserted with
explicit ids, which makes ids identical from run to run (video 42 is the same video in
every seeded database). Accounts, the API key and settings are only added where missing, so
seeding never overwrites an operator's password or setting.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, inspect, select
from sqlalchemy.orm import Session

from shared_models.database import create_sync_engine
from shared_models.demo.catalog import DEFAULT_ARTIST_COUNT, Catalog
from shared_models.demo.clips import make_clips
from shared_models.demo.defaults import (
    DEFAULT_SETTINGS,
    DEMO_API_KEY,
    DEMO_API_KEY_NAME,
    DEMO_API_KEY_OWNER,
    DEMO_API_KEY_ROLE,
    DEMO_USERS,
)
from shared_models.demo.plan import (
    LibraryPlan,
    MediaFile,
    SeedError,
    check_request,
    plan_library,
)
from shared_models.media import confine
from shared_models.models import (
    ApiKey,
    AppSetting,
    Artist,
    Download,
    Playlist,
    PlaylistEntry,
    User,
    Video,
    utcnow,
)
from shared_models.security import API_KEY_PREFIX_LENGTH, hash_api_key, hash_password
from shared_models.settings import Settings

__all__ = ["SeedError", "SeedReport", "seed_library"]

DEFAULT_VIDEO_URL_TEMPLATE = "https://www.youtube.com/watch?v={youtube_id}"
# Children first: the order rows are deleted in by `replace`.
LIBRARY_TABLES = (Download, PlaylistEntry, Playlist, Video, Artist)


@dataclass(frozen=True)
class SeedReport:
    skipped: bool = False  # --if-empty found a library and left it alone
    artists: int = 0
    videos: int = 0
    playlists: int = 0
    playlist_entries: int = 0
    downloads: int = 0
    users_created: int = 0
    api_keys_created: int = 0
    settings_created: int = 0
    media_files: int = 0
    seconds: float = 0.0


@contextmanager
def _connected(database: str | Engine) -> Iterator[Engine]:
    if isinstance(database, Engine):
        yield database
        return
    engine = create_sync_engine(database)
    try:
        yield engine
    finally:
        engine.dispose()


def library_size(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in reversed(LIBRARY_TABLES)
    }


def write_media(files: list[MediaFile], clips: dict[str, Path], media_root: Path) -> None:
    for media in files:
        target = confine(media_root, media.relative_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clips[media.clip_name], target)


def _add_accounts(session: Session, now: datetime) -> tuple[dict[str, int], int, int]:
    """Demo users and the demo API key, where missing: (user ids by name, users, keys)."""
    existing = set(session.scalars(select(User.username)))
    missing = [user for user in DEMO_USERS if user.username not in existing]
    if missing:
        rows = [
            {
                "username": user.username,
                "password_hash": hash_password(user.password),
                "role": user.role,
                "created_at": now,
                "updated_at": now,
            }
            for user in missing
        ]
        session.execute(insert(User), rows)
    user_ids: dict[str, int] = dict(session.execute(select(User.username, User.id)).all())
    key_hash = hash_api_key(DEMO_API_KEY)
    key_missing = session.scalar(select(ApiKey.id).where(ApiKey.key_hash == key_hash)) is None
    if key_missing:
        session.add(
            ApiKey(
                name=DEMO_API_KEY_NAME,
                key_hash=key_hash,
                key_prefix=DEMO_API_KEY[:API_KEY_PREFIX_LENGTH],
                role=DEMO_API_KEY_ROLE,
                user_id=user_ids.get(DEMO_API_KEY_OWNER),
                created_at=now,
                updated_at=now,
            )
        )
    return user_ids, len(missing), int(key_missing)


def _add_settings(session: Session) -> int:
    existing = set(session.scalars(select(AppSetting.key)))
    rows = [
        {"key": key, "value": value, "description": description}
        for key, value, description in DEFAULT_SETTINGS
        if key not in existing
    ]
    if rows:
        session.execute(insert(AppSetting), rows)
    return len(rows)


def _insert_library(session: Session, plan: LibraryPlan, user_ids: dict[str, int]) -> None:
    playlists = [
        {key: value for key, value in row.items() if key != "owner"}
        | {"user_id": user_ids.get(row["owner"]) if row["owner"] else None}
        for row in plan.playlists
    ]
    for model, rows in (
        (Artist, plan.artists),
        (Video, plan.videos),
        (Playlist, playlists),
        (PlaylistEntry, plan.playlist_entries),
        (Download, plan.downloads),
    ):
        if rows:
            session.execute(insert(model), rows)


def seed_library(
    database: str | Engine,
    media_root: Path,
    *,
    artists: int = 200,
    videos: int = 5000,
    playlists: int = 20,
    with_media: bool = True,
    video_url_template: str = DEFAULT_VIDEO_URL_TEMPLATE,
    image_url_template: str | None = None,
    if_empty: bool = False,
    replace: bool = False,
    now: datetime | None = None,
    clips_dir: Path | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Seed a migrated database (a DATABASE_URL or an Engine) and MEDIA_ROOT.

    A database that already holds a library is refused (SeedError) unless `if_empty` (then
    nothing happens) or `replace` (its artists, videos, playlists and downloads are deleted
    first). `image_url_template` ({name} placeholder) sets thumbnail URLs; None leaves them
    empty. `now` anchors every timestamp; pass one to get identical rows twice.
    `with_media=False` writes the same rows without making or copying any file.
    """
    began = time.perf_counter()
    if if_empty and replace:
        raise SeedError("if_empty and replace exclude each other")
    if image_url_template is not None and "{name}" not in image_url_template:
        raise SeedError("image_url_template must contain {name}")
    # Never more artists than the simulator serves (DEFAULT_ARTIST_COUNT): check_request
    # refuses a bigger or negative count with a clear message.
    catalog = Catalog(min(max(artists, 0), DEFAULT_ARTIST_COUNT))
    check_request(catalog, artists, videos, playlists, video_url_template)
    now = (now or utcnow()).replace(microsecond=0)
    with _connected(database) as engine:
        if not inspect(engine).has_table(Artist.__tablename__):
            raise SeedError("the database has no tables yet: run `mvgate db upgrade` first")
        with Session(engine) as session:
            present = {table: n for table, n in library_size(session).items() if n}
        if present and if_empty:
            return SeedReport(skipped=True, seconds=time.perf_counter() - began)
        if present and not replace:
            found = ", ".join(f"{count} {table}" for table, count in present.items())
            raise SeedError(
                f"the database already holds a library ({found}); "
                "keep it with --if-empty (if_empty=True) or overwrite it with --replace "
                "(replace=True)"
            )

        clips = make_clips(clips_dir, settings) if with_media else {}
        plan = plan_library(
            catalog,
            artists=artists,
            videos=videos,
            playlists=playlists,
            now=now,
            video_url_template=video_url_template,
            image_url_template=image_url_template,
            clip_sizes={name: path.stat().st_size for name, path in clips.items()},
        )
        if with_media:
            write_media(plan.media_files, clips, media_root)

        with Session(engine) as session, session.begin():
            for model in LIBRARY_TABLES if replace else ():
                session.execute(delete(model))
            user_ids, users_created, keys_created = _add_accounts(session, now)
            settings_created = _add_settings(session)
            _insert_library(session, plan, user_ids)

    return SeedReport(
        artists=len(plan.artists),
        videos=len(plan.videos),
        playlists=len(plan.playlists),
        playlist_entries=len(plan.playlist_entries),
        downloads=len(plan.downloads),
        users_created=users_created,
        api_keys_created=keys_created,
        settings_created=settings_created,
        media_files=len(plan.media_files) if with_media else 0,
        seconds=time.perf_counter() - began,
    )
