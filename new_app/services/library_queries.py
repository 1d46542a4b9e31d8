"""Library queries several endpoints share: a sorted, paged slice of videos, and artists'
video counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.util import find_tables

from new_app.batches import scalars_as
from new_app.query import OffsetPage
from new_app.schemas.videos import VideoOut
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
    order = (column.desc(), Video.id.desc()) if descending else (column.asc(), Video.id.asc())
    count = select(func.count(Video.id)).where(*conditions)
    ids = select(Video.id.label("id")).where(*conditions)
    if uses_artist([*conditions, column]):
        count = count.join(Video.artist)
        ids = ids.join(Video.artist)
    total = await db.scalar(count) or 0
    page_ids = ids.order_by(*order).limit(page.limit).offset(page.offset).subquery("page")
    statement = videos_with_artist().join(page_ids, page_ids.c.id == Video.id).order_by(*order)
    return await scalars_as(db, statement, VideoOut.from_row), total


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
        select(func.count(Video.id))
        .where(Video.artist_id == Artist.id)
        .correlate(Artist)
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
