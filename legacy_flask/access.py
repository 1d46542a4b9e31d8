"""Who is asking, and may they: the one before-request hook that guards the whole app.

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

from flask import g, redirect, request, session
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from legacy_flask.db import get_db
from legacy_flask.errors import ApiError
from legacy_flask.services.app_settings import authentication_required
from shared_models.access_policy import (
    API_KEY_HEADER,
    INVALID_API_KEY,
    check_role,
    is_api_path,
    is_open_path,
    presented_api_key,
    session_user_id,
)
from shared_models.models import ApiKey, User, UserRole, utcnow
from shared_models.security import hash_api_key

# last_used_at is a hint for the admin, not an audit log: one write a minute is plenty.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """The caller a request acts for."""

    role: UserRole
    user_id: int | None = None
    username: str | None = None
    api_key_id: int | None = None


SINGLE_USER_ADMIN = Principal(role=UserRole.ADMIN)


def current_principal() -> Principal:
    return g.principal


def session_user(db: Session) -> User | None:
    """The active user the session cookie names; a stale cookie is cleared."""
    user_id = session_user_id(session)
    if user_id is None:
        return None
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        session.clear()
        return None
    return user


def api_key_principal(db: Session, presented_key: str) -> Principal:
    api_key = db.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(presented_key)))
    if api_key is None or not api_key.is_active:
        raise ApiError(401, INVALID_API_KEY)
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_INTERVAL:
        api_key.last_used_at = now
        db.commit()
    return Principal(role=api_key.role, user_id=api_key.user_id, api_key_id=api_key.id)


def login_redirect() -> Response:
    target = request.path
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect("/login?" + urlencode({"next": target}), code=302)


def authenticate_request() -> Response | None:
    """Flask before-request hook: set `g.principal`, or answer 401/403/redirect."""
    path = request.path
    if is_open_path(path):
        return None
    db = get_db()
    is_api = is_api_path(path)
    presented_key = presented_api_key(request.headers.getlist(API_KEY_HEADER)) if is_api else None
    principal: Principal | None = None
    if is_api and presented_key:
        principal = api_key_principal(db, presented_key)
    else:
        user = session_user(db)
        if user is not None:
            principal = Principal(role=user.role, user_id=user.id, username=user.username)
    if principal is None:
        if authentication_required(db):
            if is_api:
                raise ApiError(401, "Authentication required")
            return login_redirect()
        principal = SINGLE_USER_ADMIN
    g.principal = principal
    if is_api:
        check_role(principal.role, request.method, path)
    return None
