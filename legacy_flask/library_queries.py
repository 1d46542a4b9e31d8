"""Library queries several views share: a sorted, paged slice of videos, and artists' video
counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, contains_eager

from legacy_flask.query_params import OffsetPage
from shared_models.models import Artist, Video

VIDEO_SORT_COLUMNS: dict[str, Any] = {
    "title": Video.title,
    "artist_name": Artist.name,
    "year": Video.year,
    "created_at": Video.created_at,
    "status": Video.status,
}
VIDEO_SORTS = tuple(VIDEO_SORT_COLUMNS)


def videos_with_artist() -> Select[tuple[Video]]:
    return select(Video).join(Video.artist).options(contains_eager(Video.artist))


def video_page(
    db: Session,
    conditions: Sequence[ColumnElement[bool]],
    *,
    sort: str,
    descending: bool,
    page: OffsetPage,
) -> tuple[list[Video], int]:
    """One page of matching videos (ties broken by id, same direction) and the match count."""
    total = db.scalar(select(func.count(Video.id)).join(Video.artist).where(*conditions)) or 0
    column = VIDEO_SORT_COLUMNS[sort]
    order = (column.desc(), Video.id.desc()) if descending else (column.asc(), Video.id.asc())
    statement = (
        videos_with_artist()
        .where(*conditions)
        .order_by(*order)
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(db.scalars(statement)), total


def artist_video_count() -> Any:
    """A correlated subquery: the number of videos of the outer query's artist."""
    return (
        select(func.count(Video.id))
        .where(Video.artist_id == Artist.id)
        .correlate(Artist)
        .scalar_subquery()
    )


def video_count_of(db: Session, artist_id: int) -> int:
    return db.scalar(select(func.count(Video.id)).where(Video.artist_id == artist_id)) or 0


def library_imvdb_ids(db: Session) -> set[str]:
    """The IMVDb ids of the artists already in the library."""
    return set(db.scalars(select(Artist.imvdb_id).where(Artist.imvdb_id.is_not(None))))


def genre_condition(db: Session, column: Any, genre: str) -> ColumnElement[bool]:
    """`genre` is one of the strings in the JSON array `column` (exact, case-sensitive).

    JSON arrays have no portable "contains" in SQL, so each dialect gets its own form."""
    if db.get_bind().dialect.name == "sqlite":
        element = func.json_each(column).table_valued("value")
        return select(element.c.value).where(element.c.value == genre).exists()
    return func.json_contains(column, func.json_quote(genre)) == 1
