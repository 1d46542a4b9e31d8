"""Typed reads of the key/value settings table (the store behind /api/settings)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared_models.models import AppSetting

REQUIRE_AUTHENTICATION = "require_authentication"
TRUE_VALUES = frozenset({"true", "1", "yes", "on"})
FALSE_VALUES = frozenset({"false", "0", "no", "off"})
# Settings whose value must read as a boolean: a typo must not switch off the login.
BOOLEAN_SETTINGS = frozenset({REQUIRE_AUTHENTICATION})


async def read_bool_setting(db: AsyncSession, key: str, default: bool) -> bool:
    setting = await db.get(AppSetting, key)
    if setting is None or setting.value is None:
        return default
    return setting.value.strip().lower() in TRUE_VALUES


async def authentication_required(db: AsyncSession) -> bool:
    return await read_bool_setting(db, REQUIRE_AUTHENTICATION, default=False)
