"""Big answers without holding the event loop.

Turning 500 rows into ORM objects and then into answer models is ~15 ms of pure CPU: done
in one go it would stall every other request for that long. Here rows are fetched and
converted PARTITION_ROWS at a time, and the loop gets a turn between partitions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

RowT = TypeVar("RowT")
ModelT = TypeVar("ModelT")

PARTITION_ROWS = 100


async def scalars_as(
    db: AsyncSession, statement: Select[Any], build: Callable[[Any], ModelT]
) -> list[ModelT]:
    """`build(entity)` for each entity the statement selects, in order."""
    result = await db.stream_scalars(statement.execution_options(yield_per=PARTITION_ROWS))
    models: list[ModelT] = []
    async for partition in result.partitions():
        models.extend(build(entity) for entity in partition)
        await asyncio.sleep(0)
    return models


async def rows_as(
    db: AsyncSession, statement: Select[Any], build: Callable[[Row[Any]], ModelT]
) -> list[ModelT]:
    """`build(row)` for each row (a tuple of the selected entities and columns)."""
    result = await db.stream(statement.execution_options(yield_per=PARTITION_ROWS))
    models: list[ModelT] = []
    async for partition in result.partitions():
        models.extend(build(row) for row in partition)
        await asyncio.sleep(0)
    return models


async def page_rows_as(
    db: AsyncSession,
    statement: Select[Any],
    build: Callable[[Row[Any]], ModelT],
    *,
    offset: int,
    count: Callable[[], Select[Any]],
) -> tuple[list[ModelT], int]:
    """One page of `build(row)` and the number of all matches, in one round trip:
    `statement` selects a `total` column (`func.count().over()`, counted before LIMIT).
    Only a page past the last match, which has no row to carry it, runs `count()`."""
    pairs = await rows_as(db, statement, lambda row: (row.total, build(row)))
    if pairs:
        return [model for _total, model in pairs], pairs[0][0]
    return [], (await db.scalar(count()) or 0) if offset else 0


async def converted(
    items: Sequence[RowT] | Iterable[RowT], build: Callable[[RowT], ModelT]
) -> list[ModelT]:
    """`build(item)` for already loaded items, a partition at a time."""
    items = list(items)
    models: list[ModelT] = []
    for start in range(0, len(items), PARTITION_ROWS):
        models.extend(build(item) for item in items[start : start + PARTITION_ROWS])
        if start + PARTITION_ROWS < len(items):
            await asyncio.sleep(0)
    return models
