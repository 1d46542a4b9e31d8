"""FastAPI dependencies: the app's Runtime, one database session per request, the caller.

    async def endpoint(db: DbSession, principal: CurrentPrincipal) -> ...

The session is closed as soon as the endpoint returns (`scope="function"`), before the
response is sent: a long video stream never holds a database connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Row, Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import ORMOption

from new_app.access import Principal, current_principal
from new_app.db import request_session
from new_app.errors import ApiError
from new_app.runtime import Runtime
from new_app.session_cookie import CookieSession, current_session

ModelT = TypeVar("ModelT")
# Primary keys are 64-bit: a bigger id in a URL names nothing (and SQLite would choke on it).
MAX_ID = 2**63 - 1


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def`
# dependency in a worker thread, a needless hop for a lookup.


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_db(request: Request, runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's session (see new_app.db), closed when the endpoint returns."""
    session = request_session(request.scope, runtime.session_factory)
    try:
        yield session
    finally:
        await session.close()


DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]


async def get_principal(request: Request) -> Principal:
    return current_principal(request)


async def get_cookie_session(request: Request) -> CookieSession:
    return current_session(request)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CookieSessionDep = Annotated[CookieSession, Depends(get_cookie_session)]


async def get_or_404(
    db: AsyncSession,
    model: type[ModelT],
    identity: int | str,
    label: str,
    options: Sequence[ORMOption] = (),
    **kwargs: Any,
) -> ModelT:
    """The row with this primary key, or a `404 {"error": "<label> not found"}`."""
    if isinstance(identity, int) and not 0 <= identity <= MAX_ID:
        raise ApiError(404, f"{label} not found")
    row = await db.get(model, identity, options=options, **kwargs)
    if row is None:
        raise ApiError(404, f"{label} not found")
    return row


async def columns_or_404(
    db: AsyncSession,
    model: type[Any],
    identity: int,
    label: str,
    *attributes: InstrumentedAttribute[Any],
) -> Row[Any]:
    """Just these columns of the row with this primary key, or a 404 like `get_or_404`.

    A plain Core select: no ORM object, no identity map, for the hot paths (thumbnails,
    streams) that need one or two values of a row."""
    if not 0 <= identity <= MAX_ID:
        raise ApiError(404, f"{label} not found")
    table: Table = model.__table__
    statement = select(*(table.c[attribute.key] for attribute in attributes)).where(
        table.c.id == identity
    )
    row = (await db.execute(statement)).first()
    if row is None:
        raise ApiError(404, f"{label} not found")
    return row
