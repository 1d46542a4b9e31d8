"""/auth/password: the logged-in person changes their own password.

Any role may (readonly too: it is their own account, not the library). The current password
is asked again, so a session left open on a shared screen cannot lock its owner out. Admins
set other people's passwords through PUT /api/users/<id>.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from legacy_flask.access import session_user
from legacy_flask.api.users import password
from legacy_flask.body import json_body, validate
from legacy_flask.db import get_db
from legacy_flask.errors import ApiError
from shared_models.security import hash_password, verify_password

bp = Blueprint("account", __name__, url_prefix="/auth")

MAX_SECRET_LENGTH = 1024


def current_secret(name: str, value: object) -> str:
    """The password as it is now: any non-empty string (older ones may be short)."""
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name} is required")
    if len(value) > MAX_SECRET_LENGTH:
        raise ApiError(400, f"{name} must be at most {MAX_SECRET_LENGTH} characters")
    return value


PASSWORD_CHANGE = {"current_password": current_secret, "new_password": password}


@bp.post("/password")
def change_password() -> ResponseReturnValue:
    db = get_db()
    user = session_user(db)
    if user is None:
        raise ApiError(401, "Authentication required")
    fields = validate(json_body(), PASSWORD_CHANGE, required=list(PASSWORD_CHANGE))
    if not verify_password(fields["current_password"], user.password_hash):
        raise ApiError(403, "Current password is incorrect")
    user.password_hash = hash_password(fields["new_password"])
    db.commit()
    return jsonify({"message": "Password changed"})
