"""`mvgate users list|unlock|reset-password NAME`: the operator's way out of a lockout
(shared_models.lockout) and a forgotten password, straight on DATABASE_URL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared_models.database import create_sync_engine
from shared_models.models import User, utcnow
from shared_models.security import hash_password
from shared_models.settings import get_settings

users_app = typer.Typer(help="User accounts: list, unlock, reset a password.", no_args_is_help=True)
MIN_PASSWORD_LENGTH = 8


@contextmanager
def session() -> Iterator[Session]:
    engine = create_sync_engine(get_settings().resolved_database_url)
    try:
        with Session(engine) as db:
            yield db
    finally:
        engine.dispose()


def find(db: Session, name: str) -> User:
    user = db.scalar(select(User).where(User.username == name))
    if user is None:
        typer.echo(f"error: no user named {name!r}", err=True)
        raise typer.Exit(1)
    return user


@users_app.command("list")
def list_users() -> None:
    """Every account: role, active, failed logins, locked until."""
    now = utcnow()
    with session() as db:
        for user in db.scalars(select(User).order_by(User.username)):
            locked = user.locked_until is not None and user.locked_until > now
            state = f"locked until {user.locked_until:%Y-%m-%d %H:%M} UTC" if locked else "unlocked"
            typer.echo(
                f"{user.username}\t{user.role.value}\t"
                f"{'active' if user.is_active else 'disabled'}\t"
                f"{user.failed_login_attempts} failed logins\t{state}"
            )


@users_app.command("unlock")
def unlock(name: str = typer.Argument(..., help="The username.")) -> None:
    """Lift a lockout and clear the failed-login count."""
    with session() as db:
        user = find(db, name)
        unlocked = {"failed_login_attempts": 0, "locked_until": None}
        db.execute(update(User).where(User.id == user.id).values(**unlocked))
        db.commit()
    typer.echo(f"{name} unlocked")


@users_app.command("reset-password")
def reset_password(
    name: str = typer.Argument(..., help="The username."),
    password: str | None = typer.Option(
        None, "--password", help="The new password (default: a random one, printed once)."
    ),
) -> None:
    """Set a new password (and unlock the account)."""
    new_password = password or secrets.token_urlsafe(12)
    if len(new_password) < MIN_PASSWORD_LENGTH:
        typer.echo(f"error: a password needs at least {MIN_PASSWORD_LENGTH} characters", err=True)
        raise typer.Exit(1)
    with session() as db:
        user = find(db, name)
        db.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                password_hash=hash_password(new_password),
                failed_login_attempts=0,
                locked_until=None,
            )
        )
        db.commit()
    typer.echo(f"password of {name} reset" + ("" if password else f": {new_password}"))
