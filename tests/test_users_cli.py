"""`mvgate users list|unlock|reset-password`, run as the installed command on SQLite and
MariaDB: an operator lifts a lockout and resets a forgotten password."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shared_models.models import User, UserRole, utcnow
from shared_models.security import hash_password, verify_password
from tests.test_seed import mvgate


def add_locked_user(engine: Engine) -> None:
    with Session(engine) as db:
        db.add(
            User(
                username="owner",
                password_hash=hash_password("old password"),
                role=UserRole.USER,
                failed_login_attempts=5,
                locked_until=utcnow() + timedelta(minutes=15),
            )
        )
        db.commit()


def owner(engine: Engine) -> User:
    with Session(engine) as db:
        return db.scalars(select(User).where(User.username == "owner")).one()


def test_users_list_unlock_and_reset_password(
    database_url: str, db_engine: Engine, tmp_path: Path
) -> None:
    add_locked_user(db_engine)
    env = {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")}

    listed = mvgate("users", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "owner\tuser\tactive\t5 failed logins\tlocked until" in listed.stdout

    unlocked = mvgate("users", "unlock", "owner", env=env, cwd=tmp_path)
    assert unlocked.returncode == 0, unlocked.stderr
    row = owner(db_engine)
    assert (row.failed_login_attempts, row.locked_until) == (0, None)

    reset = mvgate("users", "reset-password", "owner", "--password", "new password", env=env,
                   cwd=tmp_path)  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    assert verify_password("new password", owner(db_engine).password_hash)

    generated = mvgate("users", "reset-password", "owner", env=env, cwd=tmp_path)
    new_password = generated.stdout.strip().rsplit(": ", 1)[1]
    assert verify_password(new_password, owner(db_engine).password_hash)


def test_users_commands_refuse_unknown_names_and_short_passwords(
    database_url: str, db_engine: Engine, tmp_path: Path
) -> None:
    add_locked_user(db_engine)
    env = {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")}
    unknown = mvgate("users", "unlock", "nobody", env=env, cwd=tmp_path)
    assert unknown.returncode == 1 and "no user named 'nobody'" in unknown.stderr
    short = mvgate("users", "reset-password", "owner", "--password", "short", env=env, cwd=tmp_path)
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    assert verify_password("old password", owner(db_engine).password_hash)
