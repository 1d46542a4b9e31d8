"""The downloads page, the same page both ways, in Chromium behind the gateway:

- /ws/jobs routed to the async app (which runs the download in-process): the page takes
  its progress from the websocket;
- /ws/jobs not routed (the default, the legacy app, has no websocket; the legacy app runs the
  download): the socket never opens and the page polls /api/downloads/queue.

Either way the person sees the bar reach 100 % and the download land in the history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect, sync_playwright
from sqlalchemy import update
from sqlalchemy.orm import Session

from shared_models.database import create_sync_engine
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.migrate import upgrade
from shared_models.models import Video
from shared_models.settings import Settings
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.journeys import queue_download_and_watch
from tests.browser.problems import PageProblems
from tests.jobs.conftest import seed_small_library, wanted_videos
from tests.parity.backends import register, unregister
from tests.parity.servers import serve_gateway

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]

ROUTED_TO_NEW = """
routes:
  - path: /ws/jobs
    websocket: true
    backend: new
  - path: /api/videos/{video_id:int}/download
    methods: [POST]
    backend: new
"""


@pytest.fixture
def ui_settings(tmp_path: Path, upstream_settings: dict) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'mvidarr.db'}",
        media_root=tmp_path / "media",
        secret_key="downloads-page-secret",
        redis_url=None,
        **upstream_settings,
    )


@pytest.fixture
def gateway_for(
    ui_settings: Settings, upstreams: UpstreamURLs, sample_clips: dict, tmp_path: Path
) -> Iterator:
    url = ui_settings.resolved_database_url
    upgrade(url)
    engine = create_sync_engine(url)
    seed_small_library(
        engine, ui_settings.resolved_media_root, upstreams, next(iter(sample_clips.values())).parent
    )
    configuration = register(f"page_{tmp_path.name.replace('-', '_')}", ui_settings)
    stack: list = []

    def serve(routes: str) -> tuple[str, int]:
        table = "\n".join(
            [
                "version: 1",
                "default: legacy",
                "backends:",
                f"  legacy: {configuration.spec('legacy')}",
                f"  new: {configuration.spec('new')}",
                routes,
            ]
        )
        server = serve_gateway(table, tmp_path / "gateway")
        stack.append(server)
        base_url = server.__enter__()
        (video_id,) = wanted_videos(engine, 1)
        slow = f"{upstreams.root}/media/slow/page-{video_id}.mp4?bytes_per_second=15000"
        with Session(engine) as db:
            db.execute(update(Video).where(Video.id == video_id).values(youtube_url=slow))
            db.commit()
        return base_url, video_id

    yield serve
    for server in stack:
        server.__exit__(None, None, None)
    unregister(configuration.name)
    engine.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Chromium for this module only: while Playwright's sync API is open, the main thread
    counts as running an event loop, and the async tests after this module could not run."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_on(chromium: Browser) -> Iterator:
    contexts = []

    def open_page(base_url: str) -> tuple[Page, PageProblems, list[WebSocket]]:
        context = chromium.new_context(base_url=base_url)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        problems = PageProblems()
        problems.watch(page)
        sockets: list[WebSocket] = []
        page.on("websocket", lambda socket: sockets.append(socket))
        return page, problems, sockets

    yield open_page
    for context in contexts:
        context.close()


def test_progress_comes_over_the_websocket_when_it_answers(gateway_for, page_on) -> None:
    base_url, video_id = gateway_for(ROUTED_TO_NEW)
    page, problems, sockets = page_on(base_url)
    frames: list[dict] = []

    def record(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", record)
    seen = queue_download_and_watch(page, base_url, video_id)

    assert seen[-1] == ("completed", 100), seen
    expect(page.locator("#download-queue")).to_have_attribute("data-live", "websocket")
    # The video page (where the download is queued) and the downloads page each follow /ws/jobs.
    assert {socket.url for socket in sockets} == {base_url.replace("http", "ws") + "/ws/jobs"}
    assert frames[0] == {"type": "hello", "download_id": None, "source": "memory"}
    mine = [f for f in frames if f.get("type") == "download" and f["video_id"] == video_id]
    assert [f["status"] for f in mine][-1] == "completed"
    assert any(f["status"] == "downloading" and 0 < f["progress"] < 100 for f in mine)
    history = page.locator(f'#download-history tbody tr[data-video-id="{video_id}"]').first
    expect(history).to_have_attribute("data-status", "completed")
    problems.assert_none()


def test_the_page_polls_when_the_websocket_is_routed_to_legacy(gateway_for, page_on) -> None:
    base_url, video_id = gateway_for("routes: []")
    page, problems, sockets = page_on(base_url)
    seen = queue_download_and_watch(page, base_url, video_id)

    assert seen[-1] == ("completed", 100), seen
    assert len({progress for _, progress in seen}) > 2, "the bar moved by polling"
    expect(page.locator("#download-queue")).to_have_attribute("data-live", "polling")
    # The video page and the downloads page each tried /ws/jobs; legacy closed both.
    assert sockets and all(socket.is_closed() for socket in sockets)
    history = page.locator(f'#download-history tbody tr[data-video-id="{video_id}"]').first
    expect(history).to_have_attribute("data-status", "completed")
    problems.assert_none()
