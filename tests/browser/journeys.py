"""The steps of a person's session in the UI, each one checked as it goes. Tests string them
together; they only drive the page and read what it shows (test data comes from
`library_api`), so the same steps work against any server that serves the UI."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

# Playing means: enough data for the current frame, the clock moving, and no media error.
PLAYING = "player => player.readyState >= 2 && player.currentTime > 0.5 && player.error === null"
FINISHED_DOWNLOAD = ("completed", "failed", "cancelled")
MAX_PROGRESS_SAMPLES = 600  # five a second: two minutes before giving up


def log_in(page: Page, username: str, password: str) -> None:
    """Fill in and send the login form of the /login page the browser is on."""
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def log_out(page: Page, base_url: str) -> None:
    page.click("#logout-button")
    expect(page).to_have_url(f"{base_url}/login")


def wait_until_playing(page: Page, player_id: str = "video-player") -> dict[str, Any]:
    """Start the player and wait until its clock runs; returns what the element reports."""
    player = page.locator(f"#{player_id}")
    expect(player).to_be_visible()
    player.evaluate("player => player.play()")
    page.wait_for_function(f"({PLAYING})(document.getElementById('{player_id}'))")
    return player.evaluate(
        "p => ({readyState: p.readyState, currentTime: p.currentTime,"
        " error: p.error && p.error.code, width: p.videoWidth, height: p.videoHeight})"
    )


def search_videos(page: Page, query: str) -> None:
    """Search the library from /videos; every card shown must match the query."""
    page.goto("/videos")
    cards = page.locator("#video-results .video-card")
    expect(cards.first).to_be_visible()
    page.fill("#video-search", query)
    page.press("#video-search", "Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(page.locator("#video-summary")).to_contain_text(query)
    for card_text in cards.all_inner_texts():
        assert query.lower() in card_text.lower()


def open_video_from_results(page: Page, base_url: str, video: dict[str, Any]) -> None:
    card = page.locator(f'#video-results .video-card[data-video-id="{video["id"]}"]')
    expect(card).to_be_visible()
    card.locator(".video-card-title a").click()
    expect(page).to_have_url(f"{base_url}/video/{video['id']}")
    expect(page.locator("#video-title")).to_have_text(video["title"])


def open_artist_of_video(page: Page, video: dict[str, Any]) -> None:
    """From a video's page, follow its artist link; the artist lists the video."""
    page.locator("#video-artist a").click()
    expect(page.locator("#artist-name")).to_have_text(video["artist_name"])
    expect(
        page.locator(f'#artist-videos .video-card[data-video-id="{video["id"]}"]')
    ).to_be_visible()


def create_playlist(page: Page, name: str, description: str = "") -> str:
    """Create a playlist on /playlists; returns the URL of its page, where the UI lands."""
    page.goto("/playlists")
    page.fill("#playlist-name", name)
    page.fill("#playlist-description", description)
    page.click("#create-playlist")
    expect(page.locator("#playlist-title")).to_have_text(name)
    expect(page.locator("#playlist-entries")).to_contain_text("This playlist is empty")
    return page.url


def add_to_playlist(page: Page, video_id: int, playlist_name: str) -> None:
    """From the video's page, add it to the named playlist."""
    page.goto(f"/video/{video_id}")
    expect(page.locator("#playlist-select option", has_text=playlist_name)).to_have_count(1)
    page.select_option("#playlist-select", label=playlist_name)
    page.click("#add-to-playlist")
    expect(page.locator("#notices .notice", has_text=f"Added to “{playlist_name}”")).to_be_visible()


def queue_download_and_watch(
    page: Page,
    base_url: str,
    video_id: int,
    on_sample: Callable[[str, float], None] | None = None,
) -> list[tuple[str, float]]:
    """Queue the video's download from its page, go to /downloads and watch its row until
    it finishes. Returns every (status, progress) the row showed; the row must have been
    seen while active (finished rows only stay in the queue table if they were).
    `on_sample(status, progress)` is called with each reading: a journey can act while the
    download runs (flip the routing table underneath it, say)."""
    page.goto(f"/video/{video_id}")
    expect(page.locator("#no-file")).to_be_visible()
    page.click("#queue-download")
    notice = page.locator("#notices .notice", has_text="Download queued")
    expect(notice).to_be_visible()
    notice.get_by_role("link", name="Go to downloads").click()
    expect(page).to_have_url(f"{base_url}/downloads")

    row = page.locator(f'#download-queue tbody tr[data-video-id="{video_id}"]')
    expect(row).to_be_visible()
    seen: list[tuple[str, float]] = []
    for _ in range(MAX_PROGRESS_SAMPLES):
        status = row.get_attribute("data-status") or ""
        progress = float(row.locator("progress").evaluate("bar => bar.value"))
        seen.append((status, progress))
        if on_sample is not None:
            on_sample(status, progress)
        if status in FINISHED_DOWNLOAD:
            return seen
        page.wait_for_timeout(200)
    pytest.fail(f"the download never finished; the bar showed {seen[-5:]}")


def change_setting(page: Page, key: str, value: str) -> None:
    """As an admin on /settings: edit one value, save, and see it saved after a reload."""
    page.goto("/settings")
    editor = page.locator(f'#settings-table tr[data-setting-key="{key}"] .setting-value')
    expect(editor).to_be_visible()
    editor.fill(value)
    expect(page.locator("#settings-dirty")).to_have_text("1 unsaved change")
    page.click("#save-settings")
    expect(page.locator("#notices")).to_contain_text("Saved 1 setting.")
    page.reload()
    expect(editor).to_have_value(value)
