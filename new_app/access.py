"""Who is asking, and may they: one middleware that guards the whole app before routing.

Credentials are an `X-Api-Key` header (for /api) or the shared session cookie. With the
`require_authentication` setting off, an anonymous caller acts as admin (single-user mode);
with it on, /api answers 401 JSON and pages redirect to /login. Then the role rules:
readonly only reads, only admin touches settings, users and API keys.

The check runs before routing, so it depends only on the method and the path: an
anonymous request to an unknown /api path is a 401 when authentication is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from new_app.db import request_session
from new_app.errors import ApiError, bad_input_response
from new_app.redirects import redirect_response
from new_app.runtime import Runtime
from new_app.services.app_settings import authentication_required
from new_app.session_cookie import CookieSession, current_session
from shared_models.access_policy import (
    API_KEY_HEADER,
    INVALID_API_KEY,
    check_role,
    is_api_path,
    is_open_path,
    presented_api_key,
    session_user_id,
)
from shared_models.json_rules import BadInput
from shared_models.models import ApiKey, User, UserRole, utcnow
from shared_models.security import hash_api_key

# last_used_at is a hint for the admin, not an audit log: one write a minute is plenty.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)
SCOPE_KEY = "mvidarr.principal"


@dataclass(frozen=True)
class Principal:
    """The caller a request acts for."""

    role: UserRole
    user_id: int | None = None
    username: str | None = None
    api_key_id: int | None = None


SINGLE_USER_ADMIN = Principal(role=UserRole.ADMIN)


def current_principal(connection: HTTPConnection) -> Principal:
    """The caller of a checked path (open paths such as /auth have none)."""
    return connection.scope[SCOPE_KEY]


async def session_user(db: AsyncSession, session: CookieSession) -> User | None:
    """The active user the session cookie names; a stale cookie is cleared."""
    user_id = session_user_id(session)
    if user_id is None:
        return None
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        session.clear()
        return None
    return user


async def api_key_principal(db: AsyncSession, presented_key: str) -> Principal:
    api_key = await db.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(presented_key)))
    if api_key is None or not api_key.is_active:
        raise ApiError(401, INVALID_API_KEY)
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_INTERVAL:
        api_key.last_used_at = now
        await db.commit()
    return Principal(role=api_key.role, user_id=api_key.user_id, api_key_id=api_key.id)


def login_location(scope: Scope) -> str:
    """`/login?next=<path and query>`, percent-encoded."""
    target = scope["path"]
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    return "/login?" + urlencode({"next": target})


class AccessControl:
    """Sets the request's Principal, or answers 401/403 (JSON) or a login redirect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        runtime: Runtime = scope["app"].state.runtime
        path = scope["path"]
        is_api = is_api_path(path)
        db = request_session(scope, runtime.session_factory)
        try:
            try:
                principal = await self.identify(db, connection, is_api)
                if principal is None:
                    if await authentication_required(db):
                        if not is_api:
                            await redirect_response(login_location(scope))(scope, receive, send)
                            return
                        raise ApiError(401, "Authentication required")
                    principal = SINGLE_USER_ADMIN
                if is_api:
                    check_role(principal.role, scope["method"], path)
            except BadInput as error:
                await bad_input_response(error)(scope, receive, send)
                return
            scope[SCOPE_KEY] = principal
            await self.app(scope, receive, send)
        finally:
            await db.close()

    async def identify(
        self, db: AsyncSession, connection: HTTPConnection, is_api: bool
    ) -> Principal | None:
        presented_key = (
            presented_api_key(connection.headers.getlist(API_KEY_HEADER)) if is_api else None
        )
        if presented_key:
            return await api_key_principal(db, presented_key)
        user = await session_user(db, current_session(connection))
        if user is None:
            return None
        return Principal(role=user.role, user_id=user.id, username=user.username)
