"""/auth/password: the logged-in person changes their own password.

Any role may (readonly too: it is their own account, not the library). The current password
is asked again, so a session left open on a shared screen cannot lock its owner out. Admins
set other people's passwords through PUT /api/users/<id>. Hashing runs in a worker thread.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from new_app.access import session_user
from new_app.api.users import password
from new_app.body import json_body, validate
from new_app.deps import CookieSessionDep, DbSession
from new_app.docs import described
from new_app.errors import ApiError
from new_app.schemas.common import ErrorBody, Message
from new_app.services.passwords import hash_password_async, verify_password_async

router = APIRouter(prefix="/auth", tags=["auth"])

MAX_SECRET_LENGTH = 1024


def current_secret(name: str, value: Any) -> str:
    """The password as it is now: any non-empty string (older ones may be short)."""
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name} is required")
    if len(value) > MAX_SECRET_LENGTH:
        raise ApiError(400, f"{name} must be at most {MAX_SECRET_LENGTH} characters")
    return value


PASSWORD_CHANGE = {"current_password": current_secret, "new_password": password}


@router.post(
    "/password",
    response_model=Message,
    summary="Change your own password",
    responses={
        400: {"model": ErrorBody, "description": "A field is missing or too short"},
        401: {"model": ErrorBody, "description": "Not logged in"},
        403: {"model": ErrorBody, "description": "Current password is incorrect"},
    },
    openapi_extra=described(
        body={"current_password": "the password now", "new_password": "at least 8 characters"},
        required=list(PASSWORD_CHANGE),
    ),
)
async def change_password(request: Request, db: DbSession, session: CookieSessionDep) -> Message:
    user = await session_user(db, session)
    if user is None:
        raise ApiError(401, "Authentication required")
    fields = validate(await json_body(request), PASSWORD_CHANGE, required=list(PASSWORD_CHANGE))
    if not await verify_password_async(fields["current_password"], user.password_hash):
        raise ApiError(403, "Current password is incorrect")
    user.password_hash = await hash_password_async(fields["new_password"])
    await db.commit()
    return Message(message="Password changed")
