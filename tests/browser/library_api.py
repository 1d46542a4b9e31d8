"""Test data looked up and prepared through the app's public API, the way any client would,
as the demo admin (so it works whether or not the library requires a login)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from shared_models.demo.defaults import DEMO_USERS

PASSWORDS = {user.username: user.password for user in DEMO_USERS}


@contextmanager
def admin_client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url) as client:
        login = {"username": "admin", "password": PASSWORDS["admin"]}
        client.post("/auth/login", json=login).raise_for_status()
        yield client


def api_get(base_url: str, path: str, **params: Any) -> Any:
    with admin_client(base_url) as client:
        answer = client.get(path, params=params)
        answer.raise_for_status()
        return answer.json()


def api_put(base_url: str, path: str, body: dict[str, Any]) -> Any:
    with admin_client(base_url) as client:
        answer = client.put(path, json=body)
        answer.raise_for_status()
        return answer.json()


def set_setting(base_url: str, key: str, value: str) -> None:
    api_put(base_url, f"/api/settings/{key}", {"value": value})


def videos_with_status(base_url: str, status: str) -> list[dict[str, Any]]:
    return api_get(base_url, "/api/videos/", status=status, limit=500)["videos"]


def downloaded_video(base_url: str, extension: str) -> dict[str, Any]:
    """A seeded video whose file on disk has this extension (mp4, mkv, webm)."""
    for video in videos_with_status(base_url, "DOWNLOADED"):
        if (video["local_path"] or "").endswith(f".{extension}"):
            return video
    raise LookupError(f"the seeded library has no downloaded .{extension} video")


def distinctive_word(title: str) -> str:
    """The longest word of a title: a search term that finds it among few others."""
    return max(title.split(), key=len).strip(".,!?'\"()")
