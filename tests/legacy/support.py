"""Plain helpers for the legacy app's tests: rows written straight through the ORM (the
state a test starts from), logins, polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.models import ApiKey, AppSetting, Artist, User, UserRole, Video, VideoStatus
from shared_models.security import hash_api_key, hash_password, new_api_key

PASSWORD = "correct horse battery"
T = TypeVar("T")


@dataclass
class Library:
    """Ids of a small library: three artists, six videos."""

    artists: dict[str, int] = field(default_factory=dict)
    videos: dict[str, int] = field(default_factory=dict)


def build_library(engine: Engine) -> Library:
    """Artists Alpha Band (2 videos), Beta Singer (4), Gamma Trio (none)."""
    library = Library()
    with Session(engine) as db:
        alpha = Artist(name="Alpha Band", imvdb_id="9001", genres=["rock"], monitored=True)
        beta = Artist(name="Beta Singer", genres=["pop", "synthpop"], folder_path="beta")
        gamma = Artist(name="Gamma Trio", genres=[])
        rows = {
            "anthem": Video(artist=alpha, title="Anthem", year=1999, genres=["rock"],
                            status=VideoStatus.DOWNLOADED, youtube_id="yt-anthem"),
            "ballad": Video(artist=alpha, title="Ballad", year=2005, genres=["rock", "ballad"],
                            status=VideoStatus.WANTED),
            "chorus": Video(artist=beta, title="Chorus", year=2010, genres=["pop"],
                            status=VideoStatus.WANTED),
            "dance": Video(artist=beta, title="Dance 100%", year=2015, genres=["synthpop"],
                           status=VideoStatus.FAILED),
            "echo": Video(artist=beta, title="Echo_Echo", year=None, genres=[],
                          status=VideoStatus.IGNORED),
            "finale": Video(artist=beta, title="Finale", year=2020, genres=["pop"],
                            status=VideoStatus.MONITORED, description="The end."),
        }  # fmt: skip
        db.add_all([alpha, beta, gamma, *rows.values()])
        db.commit()
        library.artists = {"alpha": alpha.id, "beta": beta.id, "gamma": gamma.id}
        library.videos = {key: video.id for key, video in rows.items()}
    return library


def add_user(engine: Engine, username: str, role: UserRole, *, active: bool = True) -> int:
    with Session(engine) as db:
        user = User(
            username=username,
            password_hash=hash_password(PASSWORD),
            role=role,
            is_active=active,
            failed_login_attempts=0,
        )
        db.add(user)
        db.commit()
        return user.id


def add_api_key(engine: Engine, role: UserRole, *, active: bool = True) -> str:
    key = new_api_key()
    with Session(engine) as db:
        db.add(
            ApiKey(name=f"{role} key", key_hash=hash_api_key(key), key_prefix=key[:8],
                   role=role, is_active=active)
        )  # fmt: skip
        db.commit()
    return key


def set_setting(engine: Engine, key: str, value: str) -> None:
    with Session(engine) as db:
        db.merge(AppSetting(key=key, value=value))
        db.commit()


def require_authentication(engine: Engine) -> None:
    set_setting(engine, "require_authentication", "true")


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()


def wait_for(check: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
