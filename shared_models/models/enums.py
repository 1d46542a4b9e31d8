"""Enumerations stored as their string values (never as native DB enums, so adding a member
needs no ALTER TABLE on MariaDB)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


class VideoStatus(enum.StrEnum):
    WANTED = "WANTED"
    DOWNLOADING = "DOWNLOADING"
    DOWNLOADED = "DOWNLOADED"
    IGNORED = "IGNORED"
    FAILED = "FAILED"
    MONITORED = "MONITORED"


class DownloadStatus(enum.StrEnum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @classmethod
    def active(cls) -> tuple[DownloadStatus, ...]:
        """States in which a download still holds its video (one live download per video)."""
        return (cls.QUEUED, cls.DOWNLOADING)


class UserRole(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    USER = "user"
    READONLY = "readonly"

    @property
    def can_write(self) -> bool:
        return self is not UserRole.READONLY

    @property
    def is_admin(self) -> bool:
        return self is UserRole.ADMIN


def string_enum(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """A VARCHAR column holding the enum's *values*, checked by the ORM."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
