"""Library queries several endpoints share: a sorted, paged slice of videos, and artists'
video counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.util import find_tables

from new_app.batches import page_rows_as
from new_app.query import OffsetPage
from new_app.schemas.videos import VideoOut
from shared_models.models import Artist, Video

VIDEOS = Video.__table__
ARTISTS = Artist.__table__
# Table columns, not ORM attributes, here and in the conditions callers pass: the listings
# then run as plain Core statements, without the ORM's compile and execute steps.
VIDEO_SORT_COLUMNS: dict[str, Any] = {
    "title": VIDEOS.c.title,
    "artist_name": ARTISTS.c.name,
    "year": VIDEOS.c.year,
    "created_at": VIDEOS.c.created_at,
    "status": VIDEOS.c.status,
}
VIDEO_SORTS = tuple(VIDEO_SORT_COLUMNS)


# What VideoOut.from_columns reads: the videos table's columns and the artist's name, as a
# plain Core select (rows, not ORM objects: the listings are read-only).
VIDEO_OUT_COLUMNS = (*VIDEOS.c, ARTISTS.c.name.label("artist_name"))


async def video_page(
    db: AsyncSession,
    conditions: Sequence[ColumnElement[bool]],
    *,
    sort: str,
    descending: bool,
    page: OffsetPage,
) -> tuple[list[VideoOut], int]:
    """One page of matching videos (ties broken by id, same direction) and the match count.

    The page is found first by id alone (a "deferred join"), then its rows are read: the
    database then sorts narrow rows, through the sort column's index where there is one,
    instead of every matching row with its text columns (on MariaDB a temporary table on
    disk, for every page). The artists table joins the search only when a condition or
    the sort needs it: every video has an artist, so it never changes which rows match."""
    column = VIDEO_SORT_COLUMNS[sort]
    key = VIDEOS.c.id
    order = (column.desc(), key.desc()) if descending else (column.asc(), key.asc())
    # The match count rides along with the page's ids (a window count, computed before
    # LIMIT): one round trip instead of a COUNT query and then the page.
    ids = select(key.label("id"), func.count().over().label("total")).where(*conditions)
    if uses_artist([*conditions, column]):
        ids = ids.join(ARTISTS)
    page_ids = ids.order_by(*order).limit(page.limit).offset(page.offset).subquery("page")
    statement = (
        select(*VIDEO_OUT_COLUMNS, page_ids.c.total)
        .join_from(VIDEOS, ARTISTS, VIDEOS.c.artist_id == ARTISTS.c.id)
        .join(page_ids, page_ids.c.id == VIDEOS.c.id)
        .order_by(*order)
    )

    def count() -> Select[tuple[int]]:
        statement = select(func.count(VIDEOS.c.id)).where(*conditions)
        return statement.join(ARTISTS) if uses_artist(conditions) else statement

    return await page_rows_as(
        db, statement, VideoOut.from_columns, offset=page.offset, count=count
    )


def uses_artist(expressions: Sequence[Any]) -> bool:
    """Whether any of these (conditions, columns, ORM attributes) reads the artists table."""
    for expression in expressions:
        clause = getattr(expression, "__clause_element__", lambda e=expression: e)()
        if Artist.__table__ in find_tables(clause, check_columns=True):
            return True
    return False


def artist_video_count() -> Any:
    """A correlated subquery: the number of videos of the outer query's artist."""
    return (
        select(func.count(VIDEOS.c.id))
        .where(VIDEOS.c.artist_id == ARTISTS.c.id)
        .correlate(ARTISTS)
        .scalar_subquery()
    )


async def video_count_of(db: AsyncSession, artist_id: int) -> int:
    return await db.scalar(select(func.count(Video.id)).where(Video.artist_id == artist_id)) or 0


async def library_imvdb_ids(db: AsyncSession) -> set[str]:
    """The IMVDb ids of the artists already in the library."""
    return set(await db.scalars(select(Artist.imvdb_id).where(Artist.imvdb_id.is_not(None))))


def genre_condition(dialect: str, column: Any, genre: str) -> ColumnElement[bool]:
    """`genre` is one of the strings in the JSON array `column` (exact, case-sensitive).

    JSON arrays have no portable "contains" in SQL, so each dialect gets its own form."""
    if dialect == "sqlite":
        element = func.json_each(column).table_valued("value")
        return select(element.c.value).where(element.c.value == genre).exists()
    return func.json_contains(column, func.json_quote(genre)) == 1
