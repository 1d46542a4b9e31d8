"""Browser tests: the real legacy app on a real server, driven by headless Chromium.

The app is served the way `make run` serves it (uvicorn + a2wsgi) on a free port, over a
small seeded SQLite library whose thumbnails and downloads come from the simulated
upstreams. Chromium is the system's (Debian's) browser driven by Playwright: no browser is
ever downloaded. Each test gets a fresh browser context (no cookies) and a page that records
JavaScript errors and failed requests; its last screen is saved under test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from a2wsgi import WSGIMiddleware
from playwright.sync_api import Browser, Page, sync_playwright

from legacy_flask import create_app
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.migrate import upgrade
from shared_models.settings import Settings
from tests.browser.problems import PageProblems
from tests.fixtures.upstreams import BackgroundServer

CHROMIUM = os.environ.get("MVIDARR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A test's click is a user gesture, but a player started from script must not depend
    # on the autoplay policy.
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# Small, but with every status, mp4 and mkv files, playlists and downloads in all states.
SEED_COUNTS = {"artists": 6, "videos": 48, "playlists": 3}


@pytest.fixture(scope="session")
def ui_settings(
    tmp_path_factory: pytest.TempPathFactory, upstreams: UpstreamURLs, upstream_settings: dict
) -> Settings:
    data_dir = tmp_path_factory.mktemp("ui")
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'mvidarr.db'}",
        media_root=data_dir / "media",
        secret_key="browser-test-secret",
        **upstream_settings,
    )


@pytest.fixture(scope="session")
def seeded_database(
    ui_settings: Settings, upstreams: UpstreamURLs, sample_clips: dict[str, Path]
) -> str:
    url = ui_settings.resolved_database_url
    upgrade(url)
    seed_library(
        url,
        ui_settings.resolved_media_root,
        **SEED_COUNTS,
        video_url_template=upstreams.video_url_template,
        image_url_template=upstreams.image_url_template,
        clips_dir=next(iter(sample_clips.values())).parent,
    )
    return url


@pytest.fixture(scope="session")
def live_server(ui_settings: Settings, seeded_database: str) -> Iterator[str]:
    """Base URL of the legacy app, served like `make run` serves it."""
    app = WSGIMiddleware(create_app(ui_settings))  # type: ignore[arg-type]
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = BackgroundServer(config)
    url = server.start()
    yield url
    server.stop()


# Per module, not per session: while Playwright's sync API is open, the main thread counts
# as running an event loop, so the async tests of later modules could not run their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(
    browser: Browser, live_server: str, problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser context on the live app; screenshots land in test-artifacts/."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems.watch(page)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{artifact_name(request.node.nodeid)}.png", full_page=True)
    context.close()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest):
    """screenshot("step") saves the page now as <test>-<step>.png."""

    def take(step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{artifact_name(request.node.nodeid)}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
