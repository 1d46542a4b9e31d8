"""Make a playlist, fill it from the videos' pages, reorder it and play it."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import PLAYING, add_to_playlist, create_playlist
from tests.browser.library_api import downloaded_video
from tests.browser.problems import PageProblems

pytestmark = pytest.mark.browser


def entry_video_ids(page: Page) -> list[int]:
    ids = page.locator("#playlist-entries li[data-video-id]").evaluate_all(
        "items => items.map(item => Number(item.dataset.videoId))"
    )
    return list(ids)


def test_create_fill_reorder_and_play_a_playlist(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    first = downloaded_video(live_server, "mp4")
    second = downloaded_video(live_server, "mkv")
    name = f"Road trip {secrets.token_hex(3)}"

    playlist_url = create_playlist(page, name, "Made by a browser test")

    add_to_playlist(page, first["id"], name)
    add_to_playlist(page, second["id"], name)
    page.locator("#notices .notice").last.get_by_role("link", name="Open playlist").click()
    expect(page).to_have_url(playlist_url)
    expect(page.locator("#playlist-entries li[data-entry-id]")).to_have_count(2)
    assert entry_video_ids(page) == [first["id"], second["id"]]
    expect(page.locator("#playlist-info")).to_contain_text("2 videos")

    page.locator(f'#playlist-entries li[data-video-id="{first["id"]}"] [data-move="down"]').click()
    expect(page.locator("#playlist-entries li").first).to_have_attribute(
        "data-video-id", str(second["id"])
    )
    page.reload()
    expect(page.locator("#playlist-entries li[data-entry-id]")).to_have_count(2)
    assert entry_video_ids(page) == [second["id"], first["id"]]
    positions = page.locator("#playlist-entries li").evaluate_all(
        "items => items.map(item => item.dataset.position)"
    )
    assert positions == ["1", "2"]

    page.click("#play-playlist")
    player = page.locator("#playlist-player")
    expect(player).to_have_attribute("src", f"/api/videos/{second['id']}/stream")
    page.wait_for_function(f"({PLAYING})(document.getElementById('playlist-player'))")
    expect(page.locator("#now-playing")).to_contain_text(second["title"])
    page.click("#play-next")
    expect(player).to_have_attribute("src", f"/api/videos/{first['id']}/stream")
    page.wait_for_function(f"({PLAYING})(document.getElementById('playlist-player'))")
    screenshot("playing")

    page.locator(f'#playlist-entries li[data-video-id="{second["id"]}"] [data-remove]').click()
    expect(page.locator("#playlist-entries li[data-entry-id]")).to_have_count(1)
    assert entry_video_ids(page) == [first["id"]]
    page.goto("/playlists")
    row = page.locator("#playlist-list tbody tr", has_text=name)
    expect(row).to_contain_text("1")
    problems.assert_none()
