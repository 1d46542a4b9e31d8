"""/auth: log in and out with the shared session cookie, and ask who is logged in.

Always reachable (the access hook leaves /auth open). Five failed logins in a row lock an
account for 15 minutes.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import Blueprint, jsonify, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from legacy_flask.access import SESSION_USER_KEY, session_user
from legacy_flask.body import json_body
from legacy_flask.db import get_db
from legacy_flask.errors import ApiError
from legacy_flask.serializers import user_summary_json
from legacy_flask.services.app_settings import authentication_required
from shared_models.models import User, utcnow
from shared_models.security import hash_password, verify_password

bp = Blueprint("auth", __name__, url_prefix="/auth")

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
INVALID_CREDENTIALS = "Invalid username or password"


@cache
def decoy_hash() -> str:
    """Unknown usernames still cost one password check, so timing does not reveal them."""
    return hash_password("decoy password")


def login_credentials() -> tuple[str, str]:
    """username and password from a JSON body or an HTML form post."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data: dict[str, object] = dict(request.form)
    else:
        data = json_body(optional=True)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(400, "username and password are required")
    if not username.strip() or not password:
        raise ApiError(400, "username and password are required")
    return username.strip(), password


@bp.post("/login")
def login() -> ResponseReturnValue:
    username, password = login_credentials()
    db = get_db()
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(password, decoy_hash())
        raise ApiError(401, INVALID_CREDENTIALS)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise ApiError(423, "Account locked, try again later")
    if not verify_password(password, user.password_hash):
        if user.locked_until is not None:
            # The previous lock ran out: this failure starts a new count.
            user.failed_login_attempts, user.locked_until = 0, None
        user.failed_login_attempts += 1
        if user.failed_login_attempts >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
        db.commit()
        raise ApiError(401, INVALID_CREDENTIALS)
    if not user.is_active:
        raise ApiError(403, "Account disabled")
    user.failed_login_attempts = 0
    user.locked_until = None
    user.last_login = now
    db.commit()
    session.clear()
    session[SESSION_USER_KEY] = user.id
    return jsonify({"message": "Login successful", "user": user_summary_json(user)})


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return jsonify({"message": "Logged out"})


@bp.get("/check")
def check() -> ResponseReturnValue:
    db = get_db()
    user = session_user(db)
    return jsonify(
        {
            "authenticated": user is not None,
            "user": user_summary_json(user) if user is not None else None,
            "auth_required": authentication_required(db),
        }
    )
