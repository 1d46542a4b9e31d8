"""/auth: log in and out with the shared session cookie, and ask who is logged in.

Always reachable (the access middleware leaves /auth open). Five failed logins in a row
lock an account for 15 minutes. Password checks run in a worker thread.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy import select

from new_app.access import SESSION_USER_KEY, session_user
from new_app.body import form_or_json_body
from new_app.deps import CookieSessionDep, DbSession
from new_app.docs import described
from new_app.errors import ApiError
from new_app.schemas.accounts import AuthCheck, LoginAnswer, UserSummary
from new_app.schemas.common import ErrorBody, Message
from new_app.services.app_settings import authentication_required
from new_app.services.passwords import verify_against_decoy, verify_password_async
from shared_models.models import User, utcnow

router = APIRouter(prefix="/auth", tags=["auth"])

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
INVALID_CREDENTIALS = "Invalid username or password"
CREDENTIALS_REQUIRED = "username and password are required"


async def login_credentials(request: Request) -> tuple[str, str]:
    """username and password from a JSON body or an HTML form post."""
    data = await form_or_json_body(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(400, CREDENTIALS_REQUIRED)
    if not username.strip() or not password:
        raise ApiError(400, CREDENTIALS_REQUIRED)
    return username.strip(), password


@router.post(
    "/login",
    response_model=LoginAnswer,
    summary="Log in (sets the session cookie)",
    responses={
        400: {"model": ErrorBody, "description": CREDENTIALS_REQUIRED},
        401: {"model": ErrorBody, "description": INVALID_CREDENTIALS},
        403: {"model": ErrorBody, "description": "Account disabled"},
        423: {"model": ErrorBody, "description": "Account locked"},
    },
    openapi_extra=described(
        body={"username": "the user's name", "password": "the user's password"},
        required=["username", "password"],
    ),
)
async def login(request: Request, db: DbSession, session: CookieSessionDep) -> LoginAnswer:
    username, password = await login_credentials(request)
    user = await db.scalar(select(User).where(User.username == username))
    if user is None:
        await verify_against_decoy(password)
        raise ApiError(401, INVALID_CREDENTIALS)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise ApiError(423, "Account locked, try again later")
    if not await verify_password_async(password, user.password_hash):
        if user.locked_until is not None:
            # The previous lock ran out: this failure starts a new count.
            user.failed_login_attempts, user.locked_until = 0, None
        user.failed_login_attempts += 1
        if user.failed_login_attempts >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
        await db.commit()
        raise ApiError(401, INVALID_CREDENTIALS)
    if not user.is_active:
        raise ApiError(403, "Account disabled")
    user.failed_login_attempts = 0
    user.locked_until = None
    user.last_login = now
    await db.commit()
    session.replace({SESSION_USER_KEY: user.id})
    return LoginAnswer(message="Login successful", user=UserSummary.from_row(user))


@router.post("/logout", response_model=Message, summary="Log out (clears the session cookie)")
async def logout(session: CookieSessionDep) -> Message:
    session.clear()
    return Message(message="Logged out")


@router.get("/check", response_model=AuthCheck, summary="Who is logged in?")
async def check(db: DbSession, session: CookieSessionDep) -> AuthCheck:
    user = await session_user(db, session)
    return AuthCheck(
        authenticated=user is not None,
        user=UserSummary.from_row(user) if user is not None else None,
        auth_required=await authentication_required(db),
    )
