"""/api/users: accounts (admin only; the access middleware enforces it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from new_app.batches import scalars_as
from new_app.body import boolean, json_body, one_of, text, validate
from new_app.deps import CurrentPrincipal, DbSession, get_or_404
from new_app.docs import PAGE_QUERY, described
from new_app.errors import ApiError
from new_app.query import numbered_page_args
from new_app.schemas.accounts import UserOut, UserPage
from new_app.schemas.common import ERROR_RESPONSES, Deleted, ErrorBody
from new_app.services.passwords import hash_password_async
from shared_models.models import User, UserRole

router = APIRouter(prefix="/api/users", tags=["users"], responses=ERROR_RESPONSES)

MIN_PASSWORD_LENGTH = 8
ROLES = {role.value: role for role in UserRole}
ROLE_WORDS = "admin, manager, user or readonly"
USERNAME_TAKEN = "Username already exists"


def password(name: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD_LENGTH:
        raise ApiError(400, f"{name} must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > 1024:
        raise ApiError(400, f"{name} must be at most 1024 characters")
    return value


NEW_USER_FIELDS = {"username": text(100), "password": password, "role": one_of(ROLES)}
USER_CHANGES = {"role": one_of(ROLES), "is_active": boolean(), "password": password}


@router.get(
    "/", response_model=UserPage, summary="List users", openapi_extra=described(query=PAGE_QUERY)
)
async def list_users(request: Request, db: DbSession) -> UserPage:
    page = numbered_page_args(request)
    total = await db.scalar(select(func.count(User.id))) or 0
    items = await scalars_as(
        db,
        select(User).order_by(User.username, User.id).limit(page.per_page).offset(page.offset),
        UserOut.from_row,
    )
    return UserPage(
        users=items,
        count=len(items),
        total=total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages(total),
    )


@router.post(
    "/",
    response_model=UserOut,
    status_code=201,
    summary="Create a user",
    responses={409: {"model": ErrorBody, "description": USERNAME_TAKEN}},
    openapi_extra=described(
        body={
            "username": "text, 1-100 characters",
            "password": "8 characters or more",
            "role": f"{ROLE_WORDS} (default user)",
        },
        required=["username", "password"],
    ),
)
async def create_user(request: Request, db: DbSession) -> UserOut:
    fields = validate(await json_body(request), NEW_USER_FIELDS, required=["username", "password"])
    if await db.scalar(select(User.id).where(User.username == fields["username"])) is not None:
        raise ApiError(409, USERNAME_TAKEN)
    user = User(
        username=fields["username"],
        password_hash=await hash_password_async(fields["password"]),
        role=fields.get("role", UserRole.USER),
        is_active=True,
        failed_login_attempts=0,
    )
    db.add(user)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise ApiError(409, USERNAME_TAKEN) from None
    return UserOut.from_row(user)


@router.put(
    "/{user_id:int}",
    response_model=UserOut,
    summary="Change a user (setting is_active also lifts a lockout)",
    openapi_extra=described(
        body={"role": ROLE_WORDS, "is_active": "true or false", "password": "8 characters or more"}
    ),
)
async def update_user(user_id: int, request: Request, db: DbSession) -> UserOut:
    fields = validate(await json_body(request), USER_CHANGES)
    user = await get_or_404(db, User, user_id, "User")
    if "role" in fields:
        user.role = fields["role"]
    if "password" in fields:
        user.password_hash = await hash_password_async(fields["password"])
    if "is_active" in fields:
        user.is_active = fields["is_active"]
        # An admin (re)activating an account also lifts a login lockout.
        user.failed_login_attempts = 0
        user.locked_until = None
    await db.commit()
    return UserOut.from_row(user)


@router.delete("/{user_id:int}", response_model=Deleted, summary="Delete a user")
async def delete_user(user_id: int, db: DbSession, principal: CurrentPrincipal) -> Deleted:
    user = await get_or_404(db, User, user_id, "User")
    if user.id == principal.user_id:
        raise ApiError(400, "You cannot delete your own account")
    await db.delete(user)
    await db.commit()
    return Deleted.of("User", user_id)
