"""The key/value settings."""

from __future__ import annotations

from pydantic import BaseModel

from shared_models.models import AppSetting


class SettingOut(BaseModel):
    key: str
    value: str | None
    description: str | None

    @classmethod
    def from_row(cls, setting: AppSetting) -> SettingOut:
        return cls(key=setting.key, value=setting.value, description=setting.description)


class SettingList(BaseModel):
    settings: list[SettingOut]
    count: int


class SettingsUpdated(BaseModel):
    updated: int
    settings: list[SettingOut]


class SettingDeleted(BaseModel):
    message: str
    id: str
