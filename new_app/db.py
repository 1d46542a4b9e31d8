"""One database session per request, as the legacy app has (`g.db`): opened on first use,
by the access check or by the endpoint, whichever needs it first, and shared by both.

Sharing it saves a connection checkout and a round of session bookkeeping per request.
The endpoint's dependency closes it when the endpoint returns (the connection goes back
to the pool before the response body is sent); the access middleware closes it again at
the very end, which is harmless, in case no endpoint ran.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Scope

SCOPE_KEY = "mvidarr.db"


def request_session(scope: Scope, factory: async_sessionmaker[AsyncSession]) -> AsyncSession:
    session = scope.get(SCOPE_KEY)
    if session is None:
        session = scope[SCOPE_KEY] = factory()
    return session
