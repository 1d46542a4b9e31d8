"""/auth: log in and out with the shared session cookie, and ask who is logged in.

Always reachable (the access hook leaves /auth open). Failed logins lock an account
(shared_models.lockout).
"""

from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, jsonify, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from legacy_flask.access import session_user
from legacy_flask.body import json_body
from legacy_flask.db import get_db
from legacy_flask.errors import ApiError
from legacy_flask.serializers import user_summary_json
from legacy_flask.services.app_settings import authentication_required
from shared_models.access_policy import SESSION_USER_KEY
from shared_models.lockout import (
    ACCOUNT_LOCKED,
    INVALID_CREDENTIALS,
    claim_check,
    client_description,
    lock_if_exhausted,
    record_success,
    release_claim,
)
from shared_models.models import User, utcnow
from shared_models.security import hash_password, verify_password

bp = Blueprint("auth", __name__, url_prefix="/auth")

logger = logging.getLogger(__name__)


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
    client = client_description(request.remote_addr, request.headers.get("X-Forwarded-For"))
    if user is None:
        verify_password(password, decoy_hash())
        logger.warning("failed login for unknown user %r from %s", username, client)
        raise ApiError(401, INVALID_CREDENTIALS)
    claimed = db.execute(claim_check(user.id, utcnow())).rowcount == 1
    db.commit()
    if not claimed:
        logger.warning("login for locked user %r refused, from %s", username, client)
        raise ApiError(423, ACCOUNT_LOCKED)
    if not verify_password(password, user.password_hash):
        db.execute(lock_if_exhausted(user.id, utcnow()))
        db.commit()
        logger.warning("failed login for user %r from %s", username, client)
        raise ApiError(401, INVALID_CREDENTIALS)
    if not user.is_active:
        db.execute(release_claim(user.id))
        db.commit()
        raise ApiError(403, "Account disabled")
    db.execute(record_success(user.id, utcnow()))
    db.commit()
    db.refresh(user)
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
