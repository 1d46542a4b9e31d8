"""Failed-login lockout, shared by both apps as SQL statements each app runs its own way.

A password check is claimed before it is made, in one conditional UPDATE: it succeeds only
while the account is not locked and fewer than MAX_FAILED_LOGINS checks have been claimed
since the last success. So N parallel guesses cost at most MAX_FAILED_LOGINS real checks;
the others are answered 423 without one. A failed check that used the last claim locks the
account for LOCKOUT; a lock that ran out lets the next claim start a new count; a success
clears the count.

The lock is per account (the row holds it); an owner locked out by a stranger waits for the
lock to run out or asks an admin (`mvgate users unlock NAME`). Failures are logged with the
client address, for the operator to find the stranger.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Update, and_, case, or_, update

from shared_models.models import User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
INVALID_CREDENTIALS = "Invalid username or password"
ACCOUNT_LOCKED = "Account locked, try again later"


def _lock_expired(now: datetime) -> object:
    return and_(User.locked_until.is_not(None), User.locked_until <= now)


def claim_check(user_id: int, now: datetime) -> Update:
    """One password check, if the account may have one now (rowcount 1) or not (0)."""
    expired = _lock_expired(now)
    return (
        update(User)
        .where(
            User.id == user_id,
            or_(
                expired,
                and_(User.locked_until.is_(None), User.failed_login_attempts < MAX_FAILED_LOGINS),
            ),
        )
        .values(
            failed_login_attempts=case(
                (expired, 1), else_=User.failed_login_attempts + 1
            ),
            locked_until=case((expired, None), else_=User.locked_until),
        )
        .execution_options(synchronize_session=False)
    )


def lock_if_exhausted(user_id: int, now: datetime) -> Update:
    """After a failed check: lock the account if the claims are used up."""
    return (
        update(User)
        .where(
            User.id == user_id,
            User.failed_login_attempts >= MAX_FAILED_LOGINS,
            User.locked_until.is_(None),
        )
        .values(locked_until=now + LOCKOUT)
        .execution_options(synchronize_session=False)
    )


def release_claim(user_id: int) -> Update:
    """A right password on a disabled account: the check was not a failure."""
    return (
        update(User)
        .where(User.id == user_id, User.failed_login_attempts > 0)
        .values(failed_login_attempts=User.failed_login_attempts - 1)
        .execution_options(synchronize_session=False)
    )


def record_success(user_id: int, now: datetime) -> Update:
    return (
        update(User)
        .where(User.id == user_id)
        .values(failed_login_attempts=0, locked_until=None, last_login=now)
        .execution_options(synchronize_session=False)
    )


def client_description(remote_address: str | None, forwarded_for: str | None) -> str:
    """The client as logs name it: the peer, and what a proxy says it forwarded for."""
    peer = remote_address or "unknown"
    return f"{peer} (forwarded for {forwarded_for})" if forwarded_for else peer
