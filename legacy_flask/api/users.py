"""/api/users and /api/api-keys: accounts and integration keys (admin only; the access hook
enforces it)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from legacy_flask.access import current_principal
from legacy_flask.body import boolean, json_body, one_of, text, validate
from legacy_flask.db import get_db, get_or_404
from legacy_flask.errors import ApiError
from legacy_flask.query_params import numbered_page_args
from legacy_flask.serializers import api_key_json, deleted_json, user_json
from shared_models.models import ApiKey, User, UserRole
from shared_models.security import (
    API_KEY_PREFIX_LENGTH,
    hash_api_key,
    hash_password,
    new_api_key,
)

bp = Blueprint("users", __name__, url_prefix="/api")

MIN_PASSWORD_LENGTH = 8
ROLES = {role.value: role for role in UserRole}


def password(name: str, value: object) -> str:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD_LENGTH:
        raise ApiError(400, f"{name} must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > 1024:
        raise ApiError(400, f"{name} must be at most 1024 characters")
    return value


NEW_USER_FIELDS = {"username": text(100), "password": password, "role": one_of(ROLES)}
USER_CHANGES = {"role": one_of(ROLES), "is_active": boolean(), "password": password}
API_KEY_FIELDS = {"name": text(100), "role": one_of(ROLES)}


@bp.get("/users/")
def list_users() -> ResponseReturnValue:
    page = numbered_page_args()
    db = get_db()
    total = db.scalar(select(func.count(User.id))) or 0
    users = db.scalars(
        select(User).order_by(User.username, User.id).limit(page.per_page).offset(page.offset)
    )
    return jsonify(page.envelope("users", [user_json(u) for u in users], total))


@bp.post("/users/")
def create_user() -> ResponseReturnValue:
    fields = validate(json_body(), NEW_USER_FIELDS, required=["username", "password"])
    db = get_db()
    if db.scalar(select(User.id).where(User.username == fields["username"])) is not None:
        raise ApiError(409, "Username already exists")
    user = User(
        username=fields["username"],
        password_hash=hash_password(fields["password"]),
        role=fields.get("role", UserRole.USER),
        is_active=True,
        failed_login_attempts=0,
    )
    db.add(user)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ApiError(409, "Username already exists") from None
    return jsonify(user_json(user)), 201


@bp.put("/users/<int:user_id>")
def update_user(user_id: int) -> ResponseReturnValue:
    fields = validate(json_body(), USER_CHANGES)
    user = get_or_404(User, user_id, "User")
    if "role" in fields:
        user.role = fields["role"]
    if "password" in fields:
        user.password_hash = hash_password(fields["password"])
    if "is_active" in fields:
        user.is_active = fields["is_active"]
        # An admin (re)activating an account also lifts a login lockout.
        user.failed_login_attempts = 0
        user.locked_until = None
    get_db().commit()
    return jsonify(user_json(user))


@bp.delete("/users/<int:user_id>")
def delete_user(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id, "User")
    if user.id == current_principal().user_id:
        raise ApiError(400, "You cannot delete your own account")
    db = get_db()
    db.delete(user)
    db.commit()
    return jsonify(deleted_json("User", user_id))


@bp.get("/api-keys/")
def list_api_keys() -> ResponseReturnValue:
    keys = get_db().scalars(select(ApiKey).order_by(ApiKey.id)).all()
    return jsonify({"api_keys": [api_key_json(k) for k in keys], "count": len(keys)})


@bp.post("/api-keys/")
def create_api_key() -> ResponseReturnValue:
    fields = validate(json_body(), API_KEY_FIELDS, required=["name"])
    secret = new_api_key()
    api_key = ApiKey(
        name=fields["name"],
        key_hash=hash_api_key(secret),
        key_prefix=secret[:API_KEY_PREFIX_LENGTH],
        role=fields.get("role", UserRole.READONLY),
        user_id=current_principal().user_id,
        is_active=True,
    )
    db = get_db()
    db.add(api_key)
    db.commit()
    # The only time the key itself is shown: only its hash is stored.
    return jsonify({"api_key": secret, "key": api_key_json(api_key)}), 201


@bp.delete("/api-keys/<int:key_id>")
def revoke_api_key(key_id: int) -> ResponseReturnValue:
    api_key = get_or_404(ApiKey, key_id, "API key")
    api_key.is_active = False
    get_db().commit()
    return jsonify({"message": "API key revoked", "id": key_id})
