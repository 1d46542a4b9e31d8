"""The journey every person takes: find a video in the library and watch it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import open_video_from_results, search_videos, wait_until_playing
from tests.browser.library_api import distinctive_word, downloaded_video
from tests.browser.problems import PageProblems

pytestmark = pytest.mark.browser


# mp4 is sent as the file (with Range); mkv is remuxed live by ffmpeg to fragmented mp4.
@pytest.mark.parametrize("extension", ["mp4", "mkv"])
def test_search_open_and_play(
    page: Page, problems: PageProblems, live_server: str, screenshot, extension: str
) -> None:
    video = downloaded_video(live_server, extension)

    search_videos(page, distinctive_word(video["title"]))
    screenshot("search")
    open_video_from_results(page, live_server, video)
    expect(page.locator("#video-details")).to_contain_text(video["local_path"])

    state = wait_until_playing(page)
    assert state["error"] is None
    assert (state["width"], state["height"]) == (320, 180)
    screenshot("playing")
    problems.assert_none()
