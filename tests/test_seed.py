"""The demo library: the catalog and plan are deterministic, the seed honours its counts on
SQLite and MariaDB, writes real playable files, keeps what is already there, and the
`mvgate seed` command drives it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared_models.demo.catalog import Catalog, get_catalog
from shared_models.demo.clips import CLIPS, clip_for
from shared_models.demo.defaults import DEFAULT_SETTINGS, DEMO_API_KEY, DEMO_USERS
from shared_models.demo.plan import plan_library
from shared_models.demo.seed import SeedError, seed_library
from shared_models.media import confine
from shared_models.models import (
    ApiKey,
    AppSetting,
    Artist,
    Base,
    Download,
    DownloadStatus,
    Playlist,
    PlaylistEntry,
    User,
    UserRole,
    Video,
    VideoStatus,
)
from shared_models.security import hash_api_key, hash_password, verify_password
from shared_models.settings import Settings
from shared_models.tools import ffmpeg_path, probe_duration, verify_playable

NOW = datetime(2026, 6, 1, 12, 0, 0)
IMAGES = "http://simulator.test/media/image/{name}.jpg"
VIDEOS = "http://simulator.test/media/watch/{youtube_id}.mp4"
SETTINGS_VARIABLES = {name.upper() for name in Settings.model_fields}
LIBRARY_MODELS = (Artist, Video, Playlist, PlaylistEntry, Download)


def small_seed(engine: Engine, media_root: Path, **options: object):
    values: dict[str, object] = {
        "artists": 8,
        "videos": 120,
        "playlists": 3,
        "with_media": False,
        "video_url_template": VIDEOS,
        "image_url_template": IMAGES,
        "now": NOW,
    }
    return seed_library(engine, media_root, **(values | options))


def rows_of(engine: Engine, model: type[Base]) -> list[dict[str, object]]:
    """Every column of every row, ordered by primary key, as plain values."""
    table = model.__table__
    with engine.connect() as connection:
        result = connection.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in result]


def count(engine: Engine, model: type[Base]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def assert_round_robin(taken: Counter[int], catalog: Catalog) -> None:
    """Videos are dealt like cards: an artist gets all its catalog videos or as many as the
    others (within one). Artist row ids follow catalog order."""
    most = max(taken.values())
    for artist in catalog.artists[: len(taken)]:
        assert taken[artist.index + 1] in (artist.video_count, most, most - 1)


# The catalog and the plan


def test_catalog_is_deterministic_and_prefix_stable() -> None:
    small, full = Catalog(50), get_catalog()
    assert small.artists == full.artists[:50]
    assert small.videos_of(small.artists[10]) == full.videos_of(full.artists[10])
    assert len({artist.slug for artist in full.artists}) == len(full.artists) == 2000
    assert len({artist.musicbrainz_id for artist in full.artists}) == 2000
    video = full.videos_of(full.artists[42])[3]
    assert full.video(video.imvdb_id) == video
    assert len(video.youtube_id) == 11
    assert full.video(video.imvdb_id + 500) is None


def test_plan_is_a_pure_function_of_its_inputs() -> None:
    def plan():
        return plan_library(
            Catalog(30),
            artists=30,
            videos=600,
            playlists=5,
            now=NOW,
            video_url_template=VIDEOS,
            image_url_template=IMAGES,
        )

    first, second = plan(), plan()
    assert first == second
    assert_round_robin(Counter(video["artist_id"] for video in first.videos), Catalog(30))


# The seed on SQLite and MariaDB


def test_seed_writes_exactly_the_planned_rows(db_engine: Engine, media_root: Path) -> None:
    small_seed(db_engine, media_root)
    plan = plan_library(
        Catalog(8),
        artists=8,
        videos=120,
        playlists=3,
        now=NOW,
        video_url_template=VIDEOS,
        image_url_template=IMAGES,
    )
    stored_videos = rows_of(db_engine, Video)
    assert len(stored_videos) == 120
    for stored, planned in zip(stored_videos, plan.videos, strict=True):
        assert {key: stored[key] for key in planned} == planned
    stored_downloads = rows_of(db_engine, Download)
    assert [row["status"] for row in stored_downloads] == [r["status"] for r in plan.downloads]
    assert [row["created_at"] for row in stored_downloads] == [
        r["created_at"] for r in plan.downloads
    ]


def test_seed_is_deterministic_across_runs(db_engine: Engine, media_root: Path) -> None:
    small_seed(db_engine, media_root)
    first = {model.__tablename__: rows_of(db_engine, model) for model in LIBRARY_MODELS}
    report = small_seed(db_engine, media_root, replace=True)
    assert report.users_created == 0
    second = {model.__tablename__: rows_of(db_engine, model) for model in LIBRARY_MODELS}
    assert first == second


def test_default_size_library(db_engine: Engine, media_root: Path) -> None:
    report = seed_library(db_engine, media_root, with_media=False, now=NOW)
    assert (report.artists, report.videos, report.playlists) == (200, 5000, 20)
    assert (count(db_engine, Artist), count(db_engine, Video), count(db_engine, Playlist)) == (
        200,
        5000,
        20,
    )
    with Session(db_engine) as session:
        per_artist = session.execute(
            select(Video.artist_id, func.count()).group_by(Video.artist_id)
        ).all()
        assert_round_robin(Counter(dict(per_artist)), get_catalog())
        statuses = set(session.scalars(select(Video.status).distinct()))
    assert statuses == set(VideoStatus)
    # The library is the catalog's first 200 artists: discover finds the next ones.
    catalog_ids = [str(artist.imvdb_id) for artist in get_catalog().artists[:200]]
    assert sorted(row["imvdb_id"] for row in rows_of(db_engine, Artist)) == sorted(catalog_ids)


def test_seed_honours_counts_and_writes_consistent_rows(
    db_engine: Engine, media_root: Path
) -> None:
    report = small_seed(db_engine, media_root, artists=7, videos=50, playlists=4)
    assert (report.artists, report.videos, report.playlists) == (7, 50, 4)
    assert count(db_engine, Artist) == 7
    assert count(db_engine, Video) == 50
    assert count(db_engine, Playlist) == 4
    with Session(db_engine) as session:
        per_artist = Counter(session.scalars(select(Video.artist_id)))
        assert sorted(per_artist.values()) == [7, 7, 7, 7, 7, 7, 8]  # 50 over 7, all have 15+
        for playlist in session.scalars(select(Playlist)):
            positions = [entry.position for entry in playlist.entries]
            assert positions == list(range(1, len(positions) + 1))
            assert len({entry.video_id for entry in playlist.entries}) == len(positions)
        downloads = session.scalars(select(Download)).all()
        assert {download.status for download in downloads} == set(DownloadStatus)
        for download in downloads:
            if download.status in DownloadStatus.active():
                assert download.video.status is VideoStatus.DOWNLOADING
            if download.status is DownloadStatus.FAILED:
                assert download.error_message
                assert download.video.status is VideoStatus.FAILED
            if download.status is DownloadStatus.COMPLETED:
                assert download.started_at < download.completed_at
                assert download.file_path == download.video.local_path
        for video in session.scalars(select(Video)):
            assert video.youtube_url == VIDEOS.format(youtube_id=video.youtube_id)
            assert (video.status is VideoStatus.DOWNLOADED) == (video.local_path is not None)


def test_seed_creates_demo_accounts_key_and_settings(db_engine: Engine, media_root: Path) -> None:
    report = small_seed(db_engine, media_root)
    assert (report.users_created, report.api_keys_created) == (3, 1)
    assert report.settings_created == len(DEFAULT_SETTINGS)
    with Session(db_engine) as session:
        users = {user.username: user for user in session.scalars(select(User))}
        for demo in DEMO_USERS:
            assert len(demo.password) >= 8
            assert users[demo.username].role is demo.role
            assert verify_password(demo.password, users[demo.username].password_hash)
            assert not verify_password("wrong-password", users[demo.username].password_hash)
        key = session.scalars(select(ApiKey)).one()
        assert key.key_hash == hash_api_key(DEMO_API_KEY)
        assert DEMO_API_KEY.startswith(key.key_prefix)
        settings = {row.key: row for row in session.scalars(select(AppSetting))}
    assert settings["require_authentication"].value == "false"
    assert all(row.description for row in settings.values())


def test_seed_keeps_existing_accounts_and_settings(db_engine: Engine, media_root: Path) -> None:
    operator_hash = hash_password("operator-chosen-password")
    with Session(db_engine) as session, session.begin():
        session.add(User(username="admin", password_hash=operator_hash, role=UserRole.ADMIN))
        session.add(AppSetting(key="require_authentication", value="true", description="x"))
    report = small_seed(db_engine, media_root)
    assert report.users_created == 2
    with Session(db_engine) as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        assert admin.password_hash == operator_hash
        setting = session.get(AppSetting, "require_authentication")
        assert setting is not None
        assert setting.value == "true"


def test_if_empty_is_idempotent_and_a_second_seed_is_refused(
    db_engine: Engine, media_root: Path
) -> None:
    small_seed(db_engine, media_root)
    before = {model.__tablename__: rows_of(db_engine, model) for model in LIBRARY_MODELS}
    assert small_seed(db_engine, media_root, if_empty=True).skipped
    assert small_seed(db_engine, media_root, if_empty=True, artists=3, videos=9).skipped
    with pytest.raises(SeedError, match="already holds a library"):
        small_seed(db_engine, media_root, artists=2, videos=4)
    after = {model.__tablename__: rows_of(db_engine, model) for model in LIBRARY_MODELS}
    assert after == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"videos": -1}, "videos must not be negative"),
        ({"artists": 2, "videos": 500}, "the demo catalog has"),
        ({"artists": 0, "videos": 5}, "videos need at least one artist"),
        ({"artists": 2001}, "only 2000 artists"),
        ({"video_url_template": "http://x/watch"}, "must contain {youtube_id}"),
        ({"image_url_template": "http://x/img.jpg"}, "must contain {name}"),
        ({"if_empty": True, "replace": True}, "exclude each other"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_written(
    db_engine: Engine, media_root: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        small_seed(db_engine, media_root, with_media=True, **options)
    assert all(count(db_engine, model) == 0 for model in (*LIBRARY_MODELS, User))
    assert list(media_root.iterdir()) == []


# Media


def test_demo_clips_are_real_and_match_their_specs(sample_clips: dict[str, Path]) -> None:
    assert set(sample_clips) == set(CLIPS)
    for name, path in sample_clips.items():
        spec = CLIPS[name]
        verify_playable(path)
        if spec.duration:
            assert probe_duration(path) == pytest.approx(spec.duration, abs=0.1)
    header = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-i", str(sample_clips["testsrc.mp4"])],
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    assert "Video: h264" in header
    assert "Audio: aac" in header
    mp4 = sample_clips["testsrc.mp4"].read_bytes()
    assert mp4.index(b"moov") < mp4.index(b"mdat")  # faststart: index before the data
    assert Image.open(sample_clips["poster.jpg"]).size == (1280, 720)
    assert clip_for("abc", "mp4") == clip_for("abc", "mp4")
    assert clip_for("abc", "avi") is None


def test_downloaded_videos_have_real_playable_files(
    db_engine: Engine, media_root: Path, sample_clips: dict[str, Path]
) -> None:
    clips_dir = sample_clips["poster.jpg"].parent
    report = small_seed(db_engine, media_root, with_media=True, clips_dir=clips_dir)
    with Session(db_engine) as session:
        downloaded = session.scalars(
            select(Video).where(Video.status == VideoStatus.DOWNLOADED)
        ).all()
        completed = session.scalars(
            select(Download).where(Download.status == DownloadStatus.COMPLETED)
        ).all()
        artists_with_folder_art = session.scalars(
            select(Artist).where(Artist.thumbnail_path.is_not(None))
        ).all()
    assert 4 <= len(downloaded) <= 24
    assert {Path(video.local_path).suffix for video in downloaded} >= {".mp4", ".mkv"}
    assert report.media_files > len(downloaded)
    for video in downloaded:
        assert not Path(video.local_path).is_absolute()
        file = confine(media_root, video.local_path)
        assert file.parent.parent == media_root  # MEDIA_ROOT/<artist folder>/<file>
        verify_playable(file)
        assert probe_duration(file) == pytest.approx(video.duration, abs=0.1)
        assert video.thumbnail_url == IMAGES.format(name=f"video-{video.imvdb_id}-o")
    with_local_thumbnail = [video for video in downloaded if video.thumbnail_path]
    assert 0 < len(with_local_thumbnail) < len(downloaded)
    for video in with_local_thumbnail:
        assert Image.open(confine(media_root, video.thumbnail_path)).format == "JPEG"
    for artist in artists_with_folder_art:
        assert confine(media_root, artist.thumbnail_path).is_file()
    for download in completed:
        assert download.file_size == confine(media_root, download.file_path).stat().st_size


def test_without_media_the_rows_are_the_same_and_no_file_is_written(
    db_engine: Engine, media_root: Path
) -> None:
    small_seed(db_engine, media_root, with_media=False)
    assert list(media_root.iterdir()) == []
    assert count(db_engine, Video) == 120


# The command


def mvgate(*arguments: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed `mvgate` entry point with `env` on top of a clean environment."""
    executable = Path(sys.executable).with_name("mvgate")
    inherited = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    return subprocess.run(
        [str(executable), *arguments],
        env=inherited | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_seed(database_url: str, db_engine: Engine, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "IMVDB_BASE_URL": "http://127.0.0.1:9/imvdb/api/v1",
        "VIDEO_URL_TEMPLATE": "http://127.0.0.1:9/media/watch/{youtube_id}.mkv",
    }
    args = ("seed", "--artists", "6", "--videos", "60", "--playlists", "2")
    first = mvgate(*args, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "seeded 6 artists, 60 videos, 2 playlists" in first.stdout
    assert "admin / mvidarr-admin" in first.stdout
    assert count(db_engine, Video) == 60
    with Session(db_engine) as session:
        video = session.scalars(select(Video).order_by(Video.id)).first()
        assert video is not None
        assert video.youtube_url == f"http://127.0.0.1:9/media/watch/{video.youtube_id}.mkv"
        assert video.thumbnail_url == f"http://127.0.0.1:9/media/image/video-{video.imvdb_id}-o.jpg"
        assert video.local_path is not None
    assert (tmp_path / "media" / video.local_path).is_file()

    again = mvgate(*args, "--if-empty", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "nothing seeded" in again.stdout
    refused = mvgate("seed", "--no-media", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "already holds a library" in refused.stderr
    # Without VIDEO_URL_TEMPLATE the rows point at the simulator IMVDB_BASE_URL names.
    del env["VIDEO_URL_TEMPLATE"]
    replaced = mvgate(
        "seed", "--replace", "--artists", "3", "--videos", "9", "--no-media", env=env, cwd=tmp_path
    )
    assert replaced.returncode == 0, replaced.stderr
    assert (count(db_engine, Artist), count(db_engine, Video)) == (3, 9)
    with Session(db_engine) as session:
        video = session.scalars(select(Video).order_by(Video.id)).first()
        assert video is not None
        assert video.youtube_url == f"http://127.0.0.1:9/media/watch/{video.youtube_id}.mp4"
    bad = mvgate("seed", "--videos", "-3", env=env, cwd=tmp_path)
    assert bad.returncode != 0
