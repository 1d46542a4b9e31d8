"""Users, API keys, and the /auth answers."""

from __future__ import annotations

from pydantic import BaseModel

from new_app.schemas.common import Timestamp
from shared_models.models import ApiKey, User, UserRole


class UserOut(BaseModel):
    id: int
    username: str
    role: UserRole
    is_active: bool
    failed_login_attempts: int
    locked_until: Timestamp | None
    last_login: Timestamp | None
    created_at: Timestamp | None

    @classmethod
    def from_row(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            is_active=user.is_active,
            failed_login_attempts=user.failed_login_attempts,
            locked_until=user.locked_until,
            last_login=user.last_login,
            created_at=user.created_at,
        )


class UserPage(BaseModel):
    users: list[UserOut]
    count: int
    total: int
    page: int
    per_page: int
    pages: int


class UserSummary(BaseModel):
    """The short form /auth answers with."""

    id: int
    username: str
    role: UserRole

    @classmethod
    def from_row(cls, user: User) -> UserSummary:
        return cls(id=user.id, username=user.username, role=user.role)


class LoginAnswer(BaseModel):
    message: str
    user: UserSummary


class AuthCheck(BaseModel):
    authenticated: bool
    user: UserSummary | None
    auth_required: bool


class ApiKeyOut(BaseModel):
    id: int
    name: str
    key_prefix: str
    role: UserRole
    user_id: int | None
    is_active: bool
    last_used_at: Timestamp | None
    created_at: Timestamp | None

    @classmethod
    def from_row(cls, api_key: ApiKey) -> ApiKeyOut:
        return cls(
            id=api_key.id,
            name=api_key.name,
            key_prefix=api_key.key_prefix,
            role=api_key.role,
            user_id=api_key.user_id,
            is_active=api_key.is_active,
            last_used_at=api_key.last_used_at,
            created_at=api_key.created_at,
        )


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyOut]
    count: int


class ApiKeyCreated(BaseModel):
    api_key: str
    key: ApiKeyOut


class ApiKeyRevoked(BaseModel):
    message: str
    id: int
