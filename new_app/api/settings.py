"""/api/settings: the key/value settings store (reads: everyone; writes: admin only, which
the access middleware enforces)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from new_app.body import json_body, passthrough, text, validate
from new_app.deps import DbSession, get_or_404
from new_app.docs import described
from new_app.errors import ApiError
from new_app.schemas.common import ERROR_RESPONSES, ErrorBody
from new_app.schemas.settings import SettingDeleted, SettingList, SettingOut, SettingsUpdated
from new_app.services.app_settings import (
    BOOLEAN_SETTINGS,
    FALSE_VALUES,
    REQUIRE_AUTHENTICATION,
    TRUE_VALUES,
)
from shared_models.models import AppSetting, User, UserRole

router = APIRouter(prefix="/api/settings", tags=["settings"], responses=ERROR_RESPONSES)

SETTING_KEY = re.compile(r"[A-Za-z0-9_.-]{1,100}")
MAX_VALUE_LENGTH = 10_000
LOCKOUT = "Create an active admin user before requiring authentication"
LOCKOUT_RESPONSE = {409: {"model": ErrorBody, "description": LOCKOUT}}


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


async def refuse_lockout(db: AsyncSession, key: str, value: str) -> None:
    """Requiring a login with no admin who could log in would lock everyone out."""
    if key != REQUIRE_AUTHENTICATION or value != "true":
        return
    admin = await db.scalar(
        select(User.id).where(User.role == UserRole.ADMIN, User.is_active.is_(True)).limit(1)
    )
    if admin is None:
        raise ApiError(409, LOCKOUT)


async def save_setting(
    db: AsyncSession, key: str, value: str, description: str | None
) -> AppSetting:
    setting = await db.get(AppSetting, key)
    if setting is None:
        setting = AppSetting(key=key)
        db.add(setting)
    setting.value = value
    if description is not None:
        setting.description = description
    return setting


@router.get("/", response_model=SettingList, summary="All settings")
async def list_settings(db: DbSession) -> SettingList:
    settings = (await db.scalars(select(AppSetting).order_by(AppSetting.key))).all()
    return SettingList(settings=[SettingOut.from_row(s) for s in settings], count=len(settings))


# Declared before /{key}: a literal path must win over the parameter.
@router.put(
    "/bulk",
    response_model=SettingsUpdated,
    summary="Change many settings at once (all or nothing)",
    responses=LOCKOUT_RESPONSE,
    openapi_extra=described(
        body={"settings": "a non-empty object of key: value"}, required=["settings"]
    ),
)
async def update_many(request: Request, db: DbSession) -> SettingsUpdated:
    body = validate(await json_body(request), {"settings": passthrough()}, required=["settings"])
    values = body["settings"]
    if not isinstance(values, dict) or not values:
        raise ApiError(400, "settings must be a non-empty object")
    # Every key and value is checked before anything is written: all or nothing.
    checked = {checked_key(key): stored_value(key, value) for key, value in values.items()}
    for key, value in checked.items():
        await refuse_lockout(db, key, value)
    saved = [await save_setting(db, key, value, None) for key, value in sorted(checked.items())]
    await db.commit()
    return SettingsUpdated(updated=len(saved), settings=[SettingOut.from_row(s) for s in saved])


@router.get("/{key}", response_model=SettingOut, summary="One setting")
async def get_setting(key: str, db: DbSession) -> SettingOut:
    return SettingOut.from_row(await get_or_404(db, AppSetting, checked_key(key), "Setting"))


@router.put(
    "/{key}",
    response_model=SettingOut,
    summary="Create or change a setting",
    responses=LOCKOUT_RESPONSE,
    openapi_extra=described(
        body={"value": "string, number or boolean", "description": "text or null"},
        required=["value"],
    ),
)
async def put_setting(key: str, request: Request, db: DbSession) -> SettingOut:
    key = checked_key(key)
    fields = validate(
        await json_body(request),
        {"value": passthrough(), "description": text(1000, nullable=True)},
        required=["value"],
    )
    value = stored_value(key, fields["value"])
    await refuse_lockout(db, key, value)
    setting = await save_setting(db, key, value, fields.get("description"))
    await db.commit()
    return SettingOut.from_row(setting)


@router.delete("/{key}", response_model=SettingDeleted, summary="Delete a setting")
async def delete_setting(key: str, db: DbSession) -> SettingDeleted:
    setting = await get_or_404(db, AppSetting, checked_key(key), "Setting")
    await db.delete(setting)
    await db.commit()
    return SettingDeleted(message="Setting deleted", id=key)
