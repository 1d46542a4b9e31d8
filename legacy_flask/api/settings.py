"""/api/settings: the key/value settings store (reads: everyone; writes: admin only, which
the access hook enforces)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from legacy_flask.body import json_body, passthrough, text, validate
from legacy_flask.db import get_db, get_or_404
from legacy_flask.errors import ApiError
from legacy_flask.serializers import deleted_json, setting_json
from legacy_flask.services.app_settings import (
    BOOLEAN_SETTINGS,
    FALSE_VALUES,
    REQUIRE_AUTHENTICATION,
    TRUE_VALUES,
)
from shared_models.models import AppSetting, User, UserRole

bp = Blueprint("settings", __name__, url_prefix="/api/settings")

SETTING_KEY = re.compile(r"[A-Za-z0-9_.-]{1,100}")
MAX_VALUE_LENGTH = 10_000


def checked_key(key: str) -> str:
    if not SETTING_KEY.fullmatch(key):
        raise ApiError(400, f"invalid setting key '{key}'")
    return key


def stored_value(key: str, value: Any) -> str:
    """Settings are text: booleans as "true"/"false", numbers as their decimal text."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        value = str(value)
    elif not isinstance(value, str):
        raise ApiError(400, f"{key} value must be a string, number or boolean")
    if len(value) > MAX_VALUE_LENGTH:
        raise ApiError(400, f"{key} value must be at most {MAX_VALUE_LENGTH} characters")
    if key in BOOLEAN_SETTINGS:
        word = value.strip().lower()
        if word not in TRUE_VALUES | FALSE_VALUES:
            raise ApiError(400, f"{key} must be true or false")
        value = "true" if word in TRUE_VALUES else "false"
    return value


def refuse_lockout(db: Session, key: str, value: str) -> None:
    """Requiring a login with no admin who could log in would lock everyone out."""
    if key != REQUIRE_AUTHENTICATION or value != "true":
        return
    admin = db.scalar(
        select(User.id).where(User.role == UserRole.ADMIN, User.is_active.is_(True)).limit(1)
    )
    if admin is None:
        raise ApiError(409, "Create an active admin user before requiring authentication")


def save_setting(db: Session, key: str, value: str, description: str | None) -> AppSetting:
    setting = db.get(AppSetting, key)
    if setting is None:
        setting = AppSetting(key=key)
        db.add(setting)
    setting.value = value
    if description is not None:
        setting.description = description
    return setting


@bp.get("/")
def list_settings() -> ResponseReturnValue:
    settings = get_db().scalars(select(AppSetting).order_by(AppSetting.key)).all()
    return jsonify({"settings": [setting_json(s) for s in settings], "count": len(settings)})


@bp.put("/bulk")
def update_many() -> ResponseReturnValue:
    body = validate(json_body(), {"settings": passthrough()}, required=["settings"])
    values = body["settings"]
    if not isinstance(values, dict) or not values:
        raise ApiError(400, "settings must be a non-empty object")
    db = get_db()
    # Every key and value is checked before anything is written: all or nothing.
    checked = {checked_key(key): stored_value(key, value) for key, value in values.items()}
    for key, value in checked.items():
        refuse_lockout(db, key, value)
    saved = [save_setting(db, key, value, None) for key, value in sorted(checked.items())]
    db.commit()
    return jsonify({"updated": len(saved), "settings": [setting_json(s) for s in saved]})


@bp.get("/<key>")
def get_setting(key: str) -> ResponseReturnValue:
    return jsonify(setting_json(get_or_404(AppSetting, checked_key(key), "Setting")))


@bp.put("/<key>")
def put_setting(key: str) -> ResponseReturnValue:
    key = checked_key(key)
    fields = validate(
        json_body(),
        {"value": passthrough(), "description": text(1000, nullable=True)},
        required=["value"],
    )
    value = stored_value(key, fields["value"])
    db = get_db()
    refuse_lockout(db, key, value)
    setting = save_setting(db, key, value, fields.get("description"))
    db.commit()
    return jsonify(setting_json(setting))


@bp.delete("/<key>")
def delete_setting(key: str) -> ResponseReturnValue:
    setting = get_or_404(AppSetting, checked_key(key), "Setting")
    db = get_db()
    db.delete(setting)
    db.commit()
    return jsonify(deleted_json("Setting", key))
