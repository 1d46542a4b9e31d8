"""One person's whole session, start to finish, with logins required: what issue after issue
must keep working while the backends change underneath the UI."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import (
    add_to_playlist,
    change_setting,
    create_playlist,
    log_in,
    log_out,
    open_artist_of_video,
    open_video_from_results,
    queue_download_and_watch,
    search_videos,
    wait_until_playing,
)
from tests.browser.library_api import (
    PASSWORDS,
    api_put,
    distinctive_word,
    downloaded_video,
    set_setting,
    videos_with_status,
)
from tests.browser.problems import PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def login_required(live_server: str) -> Iterator[None]:
    set_setting(live_server, "require_authentication", "true")
    yield
    set_setting(live_server, "require_authentication", "false")
    set_setting(live_server, "metadata_refresh_days", "30")


def test_a_persons_session(
    page: Page,
    problems: PageProblems,
    live_server: str,
    upstreams_url: str,
    login_required: None,
    screenshot,
) -> None:
    to_watch = downloaded_video(live_server, "mp4")
    to_download = [v for v in videos_with_status(live_server, "WANTED") if not v["local_path"]][1]
    slow_url = f"{upstreams_url}/media/slow/{to_download['youtube_id']}.mp4?bytes_per_second=20000"
    api_put(live_server, f"/api/videos/{to_download['id']}", {"youtube_url": slow_url})

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    log_in(page, "admin", PASSWORDS["admin"])
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("#current-user")).to_have_text("admin (admin)")

    search_videos(page, distinctive_word(to_watch["title"]))
    open_video_from_results(page, live_server, to_watch)
    wait_until_playing(page)
    open_artist_of_video(page, to_watch)

    playlist = f"Session {secrets.token_hex(3)}"
    playlist_url = create_playlist(page, playlist)
    add_to_playlist(page, to_watch["id"], playlist)
    page.goto(playlist_url)
    expect(page.locator(f'#playlist-entries li[data-video-id="{to_watch["id"]}"]')).to_be_visible()

    seen = queue_download_and_watch(page, live_server, to_download["id"])
    assert seen[-1] == ("completed", 100), seen
    screenshot("downloaded")

    change_setting(page, "metadata_refresh_days", "14")

    log_out(page, live_server)
    page.goto("/videos")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fvideos"))
    problems.assert_none()
