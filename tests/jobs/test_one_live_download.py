"""One live download per video, held by the database itself (SQLite and MariaDB): a second
`queued`/`downloading` row for a video is refused whoever writes it; finished rows do not
count; migrating a database that already breaks the rule keeps the oldest live row."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.database import create_sync_engine, is_sqlite
from shared_models.migrate import upgrade
from shared_models.models import Artist, Download, DownloadStatus, Video
from tests.conftest import _mariadb_admin_connection


def a_video(engine: Engine) -> int:
    with Session(engine) as db:
        artist = Artist(name=f"Artist {secrets.token_hex(3)}")
        video = Video(artist=artist, title="Song")
        db.add(video)
        db.commit()
        return video.id


def add(engine: Engine, video_id: int, status: DownloadStatus) -> int:
    with Session(engine) as db:
        row = Download(video_id=video_id, url="https://example.com/v", status=status)
        db.add(row)
        db.commit()
        return row.id


def test_a_video_holds_one_live_download_at_a_time(db_engine: Engine) -> None:
    video_id = a_video(db_engine)
    first = add(db_engine, video_id, DownloadStatus.QUEUED)
    for status in (DownloadStatus.QUEUED, DownloadStatus.DOWNLOADING):
        with pytest.raises(IntegrityError):
            add(db_engine, video_id, status)
    # Finished rows never collide, with the live one or with each other.
    for status in (DownloadStatus.FAILED, DownloadStatus.CANCELLED, DownloadStatus.COMPLETED):
        add(db_engine, video_id, status)
        add(db_engine, video_id, status)
    with Session(db_engine) as db:
        # A retry of a finished row while another is live is refused too.
        failed = db.scalars(
            select(Download).where(Download.status == DownloadStatus.FAILED)
        ).first()
        assert failed is not None
        failed.status = DownloadStatus.QUEUED
        with pytest.raises(IntegrityError):
            db.commit()
    with Session(db_engine) as db:
        db.execute(
            update(Download).where(Download.id == first).values(status=DownloadStatus.COMPLETED)
        )
        db.commit()
    second = add(db_engine, video_id, DownloadStatus.DOWNLOADING)
    with Session(db_engine) as db:
        live = dict(db.execute(select(Download.id, Download.live_video_id)).all())
    assert live[second] == video_id
    assert {value for key, value in live.items() if key != second} == {None}


@pytest.fixture
def scratch_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the same kind, for migrating by hand."""
    if is_sqlite(database_url):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"mvt_scratch_{secrets.token_hex(4)}"
    admin = _mariadb_admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def test_migrating_a_database_with_duplicate_live_downloads_keeps_the_oldest(
    scratch_url: str,
) -> None:
    upgrade(scratch_url, "0001")
    engine = create_sync_engine(scratch_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO artists (id, name, genres, monitored, "
                                    "auto_download) VALUES (1, 'A', '[]', 0, 0)"))  # fmt: skip
            connection.execute(text("INSERT INTO videos (id, artist_id, title, status, genres) "
                                    "VALUES (1, 1, 'V', 'DOWNLOADING', '[]')"))  # fmt: skip
            statuses = ((1, "queued"), (2, "downloading"), (3, "queued"), (4, "failed"))
            fields = {"video_id": 1, "url": "u", "progress": 0, "priority": 5, "attempts": 0}
            rows = [{"id": i, "status": status, **fields} for i, status in statuses]
            connection.execute(insert(Download.__table__), rows)
        upgrade(scratch_url)
        with engine.connect() as connection:
            after = connection.execute(
                text("SELECT id, status, error_message, live_video_id FROM downloads ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    duplicate = "Another download of this video was already queued"
    assert [tuple(row) for row in after] == [
        (1, "queued", None, 1),
        (2, "failed", duplicate, None),
        (3, "failed", duplicate, None),
        (4, "failed", None, None),
    ]
