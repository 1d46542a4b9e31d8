"""Queue a download from a video's page and watch it finish on the downloads page, then
watch the video. yt-dlp really downloads, from the simulated media host, trickled slowly
enough that the download is still running when the downloads page opens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import queue_download_and_watch, wait_until_playing
from tests.browser.library_api import api_put, videos_with_status
from tests.browser.problems import PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRICKLE_BYTES_PER_SECOND = 10_000


def test_queue_a_download_and_watch_it_reach_100_percent(
    page: Page, problems: PageProblems, live_server: str, upstreams_url: str, screenshot
) -> None:
    video = next(v for v in videos_with_status(live_server, "WANTED") if not v["local_path"])
    slow_url = (
        f"{upstreams_url}/media/slow/{video['youtube_id']}.mp4"
        f"?bytes_per_second={TRICKLE_BYTES_PER_SECOND}"
    )
    api_put(live_server, f"/api/videos/{video['id']}", {"youtube_url": slow_url})

    seen = queue_download_and_watch(page, live_server, video["id"])
    assert seen[-1] == ("completed", 100), seen
    progress_values = [value for _, value in seen]
    assert progress_values == sorted(progress_values), "the bar went backwards"
    row = page.locator(f'#download-queue tbody tr[data-video-id="{video["id"]}"]')
    expect(row.locator(".progress-text")).to_have_text("100%")
    history_row = page.locator(f'#download-history tbody tr[data-video-id="{video["id"]}"]')
    expect(history_row.first).to_have_attribute("data-status", "completed")
    screenshot("finished")

    page.click("#clear-finished")
    expect(row).to_have_count(0)

    page.goto(f"/video/{video['id']}")
    expect(page.locator("#video-page")).to_have_attribute("data-status", "DOWNLOADED")
    wait_until_playing(page)
    problems.assert_none()


def test_priority_cancel_and_retry(
    page: Page, problems: PageProblems, live_server: str, upstreams_url: str
) -> None:
    candidates = [v for v in videos_with_status(live_server, "WANTED") if not v["local_path"]]
    video = candidates[-1]
    # So slow that the download is certainly still running when it is cancelled.
    crawl_url = f"{upstreams_url}/media/slow/{video['youtube_id']}.mp4?bytes_per_second=500"
    api_put(live_server, f"/api/videos/{video['id']}", {"youtube_url": crawl_url})
    page.goto(f"/video/{video['id']}")
    page.click("#queue-download")
    expect(page.locator("#notices .notice", has_text="Download queued")).to_be_visible()

    page.goto("/downloads")
    row = page.locator(f'#download-queue tbody tr[data-video-id="{video["id"]}"]')
    expect(row).to_be_visible()
    row.locator(".priority-select").select_option("9")
    expect(page.locator("#notices")).to_contain_text("set to 9")
    expect(row.locator(".priority-select")).to_have_value("9")

    row.get_by_role("button", name="Cancel").click()
    expect(row).to_have_attribute("data-status", "cancelled")
    history_row = page.locator(f'#download-history tbody tr[data-video-id="{video["id"]}"]').first
    expect(history_row).to_have_attribute("data-status", "cancelled")

    history_row.get_by_role("button", name="Retry").click()
    expect(page.locator("#notices")).to_contain_text("Download requeued")
    expect(row).to_have_attribute("data-status", re.compile("queued|downloading"))

    row.get_by_role("button", name="Cancel").click()
    expect(row).to_have_attribute("data-status", "cancelled")
    problems.assert_none()


def test_the_video_page_goes_live_when_its_download_finishes(
    page: Page, problems: PageProblems, live_server: str, upstreams_url: str, screenshot
) -> None:
    """No reload: the progress shows under the actions, then the player replaces the
    'not downloaded' panel (the legacy app has no websocket: the page polls)."""
    candidates = [v for v in videos_with_status(live_server, "WANTED") if not v["local_path"]]
    video = candidates[len(candidates) // 2]
    slow_url = (
        f"{upstreams_url}/media/slow/{video['youtube_id']}.mp4"
        f"?bytes_per_second={TRICKLE_BYTES_PER_SECOND}"
    )
    api_put(live_server, f"/api/videos/{video['id']}", {"youtube_url": slow_url})
    page.goto(f"/video/{video['id']}")
    expect(page.locator("#no-file")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    page.click("#queue-download")
    progress = page.locator("#download-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-live", "polling")
    screenshot("downloading")
    expect(page.locator("#video-player")).to_be_visible(timeout=90_000)
    expect(progress).to_be_hidden()
    expect(page.locator("#video-page")).to_have_attribute("data-status", "DOWNLOADED")
    expect(page.locator("#notices")).to_contain_text("Download finished")
    assert page.evaluate("window.sameDocument === true"), "the page was reloaded"
    wait_until_playing(page)
    problems.assert_none()
