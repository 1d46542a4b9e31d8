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
