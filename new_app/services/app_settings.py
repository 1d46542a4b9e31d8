"""Typed reads of the key/value settings table (the store behind /api/settings)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared_models.models import AppSetting

REQUIRE_AUTHENTICATION = "require_authentication"
TRUE_VALUES = frozenset({"true", "1", "yes", "on"})
FALSE_VALUES = frozenset({"false", "0", "no", "off"})
# Settings whose value must read as a boolean: a typo must not switch off the login.
BOOLEAN_SETTINGS = frozenset({REQUIRE_AUTHENTICATION})


async def read_bool_setting(db: AsyncSession, key: str, default: bool) -> bool:
    # One column, no ORM object: the access check reads this on every request.
    table = AppSetting.__table__
    value = await db.scalar(select(table.c.value).where(table.c.key == key))
    if value is None:
        return default
    return value.strip().lower() in TRUE_VALUES


async def authentication_required(db: AsyncSession) -> bool:
    return await read_bool_setting(db, REQUIRE_AUTHENTICATION, default=False)
