"""Fixtures for the async app: an app per test on the parametrized database (SQLite and
MariaDB) with its lifespan running, an httpx client on it, the same app behind a real
uvicorn server, and a small seeded library whose media comes from the simulated upstreams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from new_app import create_app
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.settings import Settings
from tests.fixtures.upstreams import BackgroundServer

BASE_URL = "http://testserver"
SettingsFactory = Callable[..., Settings]


@pytest.fixture
def new_settings(
    database_url: str, db_engine: Engine, make_settings, upstream_settings: dict
) -> SettingsFactory:
    """Settings for this test's (emptied) database, pointed at the simulated upstreams."""

    def build(**overrides: object) -> Settings:
        return make_settings(**{"database_url": database_url, **upstream_settings, **overrides})

    return build


async def wait_until(check: Callable[[], object], seconds: float) -> bool:
    """Poll `check` until it is true or `seconds` have passed; whether it became true."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan started, as a server would run it."""
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


@pytest.fixture
async def app(new_settings: SettingsFactory) -> AsyncIterator[FastAPI]:
    async with running(create_app(new_settings())) as started:
        yield started


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


AppClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_client(new_settings: SettingsFactory) -> AppClientFactory:
    """`async with app_client(max_concurrent_transcodes=1) as http:` an app with overrides."""

    @asynccontextmanager
    async def build(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        async with (
            running(create_app(new_settings(**overrides))) as started,
            client_for(started) as http,
        ):
            yield http

    return build


@pytest.fixture
def library(
    db_engine: Engine, media_root: Path, upstreams: UpstreamURLs, sample_clips: dict[str, Path]
) -> Engine:
    """The demo library, small: 4 artists, 16 videos (some with files), 2 playlists."""
    seed_library(
        db_engine,
        media_root,
        artists=4,
        videos=16,
        playlists=2,
        video_url_template=upstreams.video_url_template,
        image_url_template=upstreams.image_url_template,
        clips_dir=next(iter(sample_clips.values())).parent,
    )
    return db_engine


@pytest.fixture
def served(new_settings: SettingsFactory) -> Iterator[Callable[..., str]]:
    """`served(**overrides)`: the app behind a real uvicorn server on a free port (its
    base URL). Servers stop after the test."""
    servers: list[BackgroundServer] = []

    def serve(**overrides: object) -> str:
        app = create_app(new_settings(**overrides))
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        server = BackgroundServer(config)
        servers.append(server)
        return server.start()

    yield serve
    for server in servers:
        server.stop()
