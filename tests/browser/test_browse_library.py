"""Browsing the library as a person does: the dashboard, sorting, filtering and paging the
videos, changing many at once, artists and IMVDb import, settings, and what a person sees
when something is not there."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

from shared_models.demo.catalog import get_catalog
from tests.browser.conftest import SEED_COUNTS
from tests.browser.journeys import change_setting
from tests.browser.library_api import api_get, api_put, set_setting, videos_with_status
from tests.browser.problems import PageProblems

pytestmark = pytest.mark.browser

SECOND_PAGE = "Showing 25\N{EN DASH}48"


def test_dashboard_shows_the_library(page: Page, problems: PageProblems, live_server: str) -> None:
    total = api_get(live_server, "/api/videos/", limit=1)["total"]
    page.goto("/")
    expect(page.locator('[data-count="videos"]')).to_have_text(f"{total:,}")
    expect(page.locator('[data-count="artists"]')).to_have_text(str(SEED_COUNTS["artists"]))
    expect(page.locator("#recent-videos .video-card")).to_have_count(8)
    expect(page.locator("#system-status")).to_contain_text("ffmpeg")
    expect(page.locator(".site-nav a[aria-current=page]")).to_have_text("Dashboard")
    problems.assert_none()


def test_table_view_sort_filter_and_paging(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    page.goto("/videos")
    page.click("#view-table")
    rows = page.locator("#video-results table tbody tr")
    expect(rows.first).to_be_visible()

    page.select_option("#sort-select", "year")
    page.select_option("#order-select", "desc")
    expect(page).to_have_url(re.compile(r"sort=year.*order=desc"))
    # The table is redrawn when the re-sorted page arrives: read it after that.
    expect(page.locator("#video-results")).not_to_have_attribute("aria-busy", "true")
    expect(rows).to_have_count(24)
    years = [int(text) for text in rows.locator("td:nth-child(5)").all_inner_texts()]
    assert years == sorted(years, reverse=True)

    page.select_option("#status-filter", "WANTED")
    expect(page.locator("#video-results")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#video-results")).to_have_attribute(
        "data-total", str(len(videos_with_status(live_server, "WANTED")))
    )
    statuses = rows.locator("td:last-child [data-status]").evaluate_all(
        "badges => badges.map(badge => badge.dataset.status)"
    )
    assert set(statuses) == {"WANTED"}

    page.select_option("#status-filter", "")
    page.click('[data-pager="videos"] [data-go="next"]')
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#video-summary")).to_contain_text(SECOND_PAGE)
    screenshot("table")

    # The state lives in the URL: a reload shows the same page.
    page.reload()
    expect(page.locator("#video-summary")).to_contain_text(SECOND_PAGE)
    expect(page.locator("#sort-select")).to_have_value("year")
    expect(page.locator("#view-table")).to_have_attribute("aria-pressed", "true")
    problems.assert_none()


def test_bulk_status_change(page: Page, problems: PageProblems, live_server: str) -> None:
    wanted = videos_with_status(live_server, "WANTED")
    page.goto("/videos?status=WANTED&sort=title")
    cards = page.locator("#video-results .video-card")
    expect(cards.first).to_be_visible()
    chosen = [int(cards.nth(index).get_attribute("data-video-id") or 0) for index in (0, 1)]
    try:
        for video_id in chosen:
            page.check(f'.video-card[data-video-id="{video_id}"] input.video-select')
        expect(page.locator("#selected-count")).to_have_text("2 selected")
        page.select_option("#bulk-status", "IGNORED")
        page.click("#bulk-apply")
        expect(page.locator("#notices")).to_contain_text("Updated 2 videos to IGNORED.")
        expect(page.locator("#video-results")).to_have_attribute("data-total", str(len(wanted) - 2))
        for video_id in chosen:
            assert api_get(live_server, f"/api/videos/{video_id}")["status"] == "IGNORED"
    finally:
        for video_id in chosen:
            api_put(live_server, f"/api/videos/{video_id}", {"status": "WANTED"})
    problems.assert_none()


def test_edit_a_video(page: Page, problems: PageProblems, live_server: str) -> None:
    video = videos_with_status(live_server, "MONITORED")[0]
    page.goto(f"/video/{video['id']}")
    expect(page.locator("#edit-title")).to_have_value(video["title"])
    try:
        page.fill("#edit-title", f"{video['title']} (Live)")
        page.select_option("#edit-status", "IGNORED")
        page.click("#save-video")
        expect(page.locator("#notices")).to_contain_text("Saved.")
        expect(page.locator("#video-title")).to_have_text(f"{video['title']} (Live)")
        saved = api_get(live_server, f"/api/videos/{video['id']}")
        assert (saved["title"], saved["status"], saved["year"]) == (
            f"{video['title']} (Live)",
            "IGNORED",
            video["year"],
        )
    finally:
        api_put(
            live_server,
            f"/api/videos/{video['id']}",
            {"title": video["title"], "status": "MONITORED"},
        )
    problems.assert_none()


def test_refresh_metadata_from_imvdb(page: Page, problems: PageProblems, live_server: str) -> None:
    video = videos_with_status(live_server, "WANTED")[0]
    api_put(live_server, f"/api/videos/{video['id']}", {"description": ""})
    page.goto(f"/video/{video['id']}")
    expect(page.locator("#video-title")).to_have_text(video["title"])
    expect(page.locator("#video-description")).to_have_text("")
    page.click("#refresh-metadata")
    expect(page.locator("#notices")).to_contain_text("Metadata refreshed")
    refreshed = api_get(live_server, f"/api/videos/{video['id']}")["description"]
    assert refreshed
    expect(page.locator("#video-description")).to_have_text(refreshed)
    problems.assert_none()


def test_artists_search_open_and_import_from_imvdb(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    in_library = api_get(live_server, "/api/artists/", sort="name")["artists"][0]
    page.goto("/artists")
    page.fill("#artist-search", in_library["name"])
    page.press("#artist-search", "Enter")
    row = page.locator(f'#artist-list tr[data-artist-id="{in_library["id"]}"]')
    expect(row).to_be_visible()
    row.get_by_role("link", name=in_library["name"]).click()
    expect(page.locator("#artist-name")).to_have_text(in_library["name"])
    expect(page.locator("#artist-videos .video-card")).to_have_count(
        min(in_library["video_count"], 24)
    )

    # The catalog goes on past the seeded artists: the next one is on IMVDb, not in the library.
    newcomer = get_catalog().artists[SEED_COUNTS["artists"]]
    page.goto("/artists")
    page.fill("#discover-query", newcomer.name)
    page.click("#discover-button")
    result = page.locator(f'#discover-list li[data-imvdb-id="{newcomer.imvdb_id}"]')
    expect(result).to_be_visible()
    result.get_by_role("button", name="Import").click()
    expect(result.get_by_role("button", name="In library")).to_be_disabled()
    notice = page.locator("#notices .notice", has_text=f"Imported {newcomer.name}")
    expect(notice).to_be_visible()
    screenshot("imported")
    notice.get_by_role("link", name="Open artist").click()
    expect(page.locator("#artist-name")).to_have_text(newcomer.name)
    expect(page.locator("#artist-videos .video-card").first).to_be_visible()
    problems.assert_none()


def test_admin_changes_a_setting(page: Page, problems: PageProblems, live_server: str) -> None:
    try:
        change_setting(page, "ui_items_per_page", "60")
        assert api_get(live_server, "/api/settings/ui_items_per_page")["value"] == "60"
    finally:
        set_setting(live_server, "ui_items_per_page", "50")
    problems.assert_none()


def test_admin_adds_a_user_and_an_api_key(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    suffix = secrets.token_hex(3)
    page.goto("/settings")
    page.fill("#new-user-name", f"editor-{suffix}")
    page.fill("#new-user-password", "a-long-password")
    page.select_option("#new-user-role", "manager")
    page.click("#add-user")
    user_row = page.locator(f'#user-table tr[data-username="editor-{suffix}"]')
    expect(user_row.locator(".user-role")).to_have_value("manager")

    user_row.locator(".user-role").select_option("readonly")
    expect(page.locator("#notices")).to_contain_text(f"editor-{suffix}: saved.")
    users = api_get(live_server, "/api/users/", per_page=200)["users"]
    assert {u["username"]: u["role"] for u in users}[f"editor-{suffix}"] == "readonly"

    page.fill("#new-api-key-name", f"Jellyfin {suffix}")
    page.select_option("#new-api-key-role", "readonly")
    page.click("#add-api-key")
    expect(page.locator("#new-api-key")).to_be_visible()
    shown_key = page.locator("#new-api-key-value").inner_text()
    key_row = page.locator("#api-key-table tbody tr", has_text=f"Jellyfin {suffix}")
    expect(key_row).to_contain_text(shown_key[:6])
    screenshot("added")
    with httpx.Client(base_url=live_server) as client:
        answer = client.get("/api/videos/", params={"limit": 1}, headers={"X-Api-Key": shown_key})
        assert answer.status_code == 200
    problems.assert_none()


@pytest.mark.parametrize(
    ("path", "api_path", "heading", "message"),
    [
        ("/video/999999", "/api/videos/999999", "#video-title", "Video not found"),
        ("/artist/999999", "/api/artists/999999", "#artist-name", "Artist not found"),
        ("/playlist/999999", "/api/playlists/999999", "#playlist-title", "Playlist not found"),
    ],
    ids=["video", "artist", "playlist"],
)
def test_missing_things_are_explained_not_blank(
    page: Page, problems: PageProblems, path: str, api_path: str, heading: str, message: str
) -> None:
    problems.expect_status(404, api_path)
    page.goto(path)
    expect(page.locator(heading)).to_have_text(message)
    expect(page.locator("#notices .notice-error")).to_have_text(re.compile(message))
    problems.assert_none()


@pytest.mark.parametrize("path", ["/", "/videos", "/artists", "/downloads", "/settings"])
def test_pages_fit_a_phone_screen(
    page: Page, problems: PageProblems, path: str, screenshot
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    screenshot("phone")
    problems.assert_none()
