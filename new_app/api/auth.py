"""/auth: log in and out with the shared session cookie, and ask who is logged in.

Always reachable (the access middleware leaves /auth open). Failed logins lock an account
(shared_models.lockout). Password checks run in a worker thread.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from sqlalchemy import select

from new_app.access import session_user
from new_app.body import form_or_json_body
from new_app.deps import CookieSessionDep, DbSession
from new_app.docs import described
from new_app.errors import ApiError
from new_app.schemas.accounts import AuthCheck, LoginAnswer, UserSummary
from new_app.schemas.common import ErrorBody, Message
from new_app.services.app_settings import authentication_required
from new_app.services.passwords import verify_against_decoy, verify_password_async
from shared_models.access_policy import SESSION_USER_KEY
from shared_models.lockout import (
    ACCOUNT_LOCKED,
    INVALID_CREDENTIALS,
    claim_check,
    client_description,
    lock_if_exhausted,
    record_success,
    release_claim,
)
from shared_models.models import User, utcnow

router = APIRouter(prefix="/auth", tags=["auth"])

logger = logging.getLogger(__name__)
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
    client = client_description(
        request.client.host if request.client else None, request.headers.get("x-forwarded-for")
    )
    if user is None:
        await verify_against_decoy(password)
        logger.warning("failed login for unknown user %r from %s", username, client)
        raise ApiError(401, INVALID_CREDENTIALS)
    claimed = (await db.execute(claim_check(user.id, utcnow()))).rowcount == 1
    await db.commit()
    if not claimed:
        logger.warning("login for locked user %r refused, from %s", username, client)
        raise ApiError(423, ACCOUNT_LOCKED)
    if not await verify_password_async(password, user.password_hash):
        await db.execute(lock_if_exhausted(user.id, utcnow()))
        await db.commit()
        logger.warning("failed login for user %r from %s", username, client)
        raise ApiError(401, INVALID_CREDENTIALS)
    if not user.is_active:
        await db.execute(release_claim(user.id))
        await db.commit()
        raise ApiError(403, "Account disabled")
    await db.execute(record_success(user.id, utcnow()))
    await db.commit()
    await db.refresh(user)
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
