"""shared_models: migrations match the models, both engines come from one URL, the cookie
codec, password hashing and media-path confinement."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shared_models.database import async_url, create_async_db_engine, sync_url
from shared_models.media import UnsafePathError, confine, safe_filename
from shared_models.migrate import current_revision, head_revision
from shared_models.models import Artist, Base, Download, DownloadStatus, Video, VideoStatus
from shared_models.security import hash_password, verify_password
from shared_models.session_cookie import SessionCodec


def test_url_drivers_per_app() -> None:
    assert sync_url("mysql://u:p@db/mv").drivername == "mysql+pymysql"
    assert async_url("mysql://u:p@db/mv").drivername == "mysql+aiomysql"
    assert async_url("mysql://u:p@db/mv").query["charset"] == "utf8mb4"
    assert sync_url("sqlite:///x.db").drivername == "sqlite"
    assert async_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    with pytest.raises(ValueError, match="unsupported DATABASE_URL"):
        sync_url("postgresql://u@h/db")


def test_migrated_schema_matches_models(database_url: str, db_engine) -> None:
    assert current_revision(database_url) == head_revision()
    with db_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_models_round_trip_and_cascade(db_engine) -> None:
    with Session(db_engine) as session:
        artist = Artist(name="Björk", imvdb_id="a1", genres=["art pop"])
        video = Video(artist=artist, title="Army of Me", status=VideoStatus.DOWNLOADED)
        session.add_all([artist, video, Download(video=video, url="http://x/v.mp4")])
        session.commit()
        artist_id = artist.id
    with Session(db_engine) as session:
        stored = session.scalars(select(Video)).one()
        assert stored.status is VideoStatus.DOWNLOADED
        assert stored.artist.genres == ["art pop"]
        assert session.scalars(select(Download)).one().status is DownloadStatus.QUEUED
        session.execute(text("DELETE FROM artists WHERE id = :id"), {"id": artist_id})
        session.commit()
        assert session.scalars(select(Video)).all() == []
        assert session.scalars(select(Download)).all() == []


async def test_async_engine_reads_what_sync_wrote(database_url: str, db_engine) -> None:
    with Session(db_engine) as session:
        session.add(Artist(name="Async Artist"))
        session.commit()
    engine = create_async_db_engine(database_url)
    try:
        async with engine.connect() as connection:
            names = (await connection.execute(select(Artist.name))).scalars().all()
    finally:
        await engine.dispose()
    assert names == ["Async Artist"]


def test_session_codec_round_trip_and_forgery() -> None:
    codec = SessionCodec("secret")
    cookie = codec.dumps({"user_id": 3, "role": "admin"})
    assert codec.loads(cookie) == {"user_id": 3, "role": "admin"}
    assert SessionCodec("other-secret").loads(cookie) == {}
    assert codec.loads(cookie[:-2] + "xx") == {}
    assert codec.loads(None) == {}
    expired = SessionCodec("secret", max_age=int(timedelta(seconds=-1).total_seconds()))
    assert expired.loads(cookie) == {}


def test_password_hashing() -> None:
    stored = hash_password("s3cret!")
    assert stored != hash_password("s3cret!")  # salted
    assert verify_password("s3cret!", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("s3cret!", "garbage")


def test_confine_refuses_escapes(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "artist").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    (root / "link").symlink_to(outside)
    assert confine(root, "artist/clip.mp4") == root / "artist" / "clip.mp4"
    assert confine(root, root / "artist") == root / "artist"
    for escape in ("../secret.txt", "artist/../../secret.txt", str(outside), "/etc/passwd", "link"):
        with pytest.raises(UnsafePathError):
            confine(root, escape)


def test_safe_filename() -> None:
    assert safe_filename("AC/DC: Back in Black?") == "AC_DC_ Back in Black"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("...") == "untitled"
    assert "/" not in safe_filename("a/b\\c")
