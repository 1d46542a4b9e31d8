"""The UI's shared pieces, as a person meets them: toasts that stay in view and go away by
themselves, the numbered pager, the nav folded behind a menu button on a phone, the
product's own 404 page, and the account page (change your password; an admin resets
someone else's)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import log_in, log_out
from tests.browser.library_api import PASSWORDS, api_put, set_setting, videos_with_status
from tests.browser.problems import PageProblems

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 700}
TOAST_GONE_MS = 20_000  # toasts dismiss themselves after a few seconds


@pytest.fixture
def login_required(live_server: str) -> Iterator[None]:
    set_setting(live_server, "require_authentication", "true")
    yield
    set_setting(live_server, "require_authentication", "false")


def in_viewport(page: Page, selector: str) -> bool:
    return page.locator(selector).last.evaluate(
        "node => { const box = node.getBoundingClientRect();"
        " return box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight"
        " && box.right <= innerWidth; }"
    )


def test_a_toast_floats_in_view_on_a_phone_and_dismisses_itself(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    page.set_viewport_size(PHONE)
    video = videos_with_status(live_server, "WANTED")[0]
    page.goto(f"/video/{video['id']}")
    expect(page.locator("#video-title")).to_have_text(video["title"])
    # The save button is far down the page on a phone: the notice must not appear up top.
    page.fill("#edit-year", "1901" if video["year"] != 1901 else "1902")
    page.click("#save-video")
    toast = page.locator("#notices .notice", has_text="Saved.")
    expect(toast).to_be_visible()
    assert page.evaluate("scrollY") > 0, "the form should be scrolled into view"
    assert in_viewport(page, "#notices .notice")
    screenshot("toast")
    page.mouse.move(0, 0)  # not hovering it: a hovered toast waits
    expect(toast).to_have_count(0, timeout=TOAST_GONE_MS)
    api_put(live_server, f"/api/videos/{video['id']}", {"year": video["year"]})
    problems.assert_none()


def test_the_numbered_pager_goes_to_the_last_a_number_and_a_typed_page(
    page: Page, problems: PageProblems
) -> None:
    page.goto("/videos?limit=12&view=table")
    pager = page.locator('[data-pager="videos"]')
    expect(pager).to_have_attribute("data-page", "1")
    pages = int(pager.get_attribute("data-pages") or 0)
    assert pages >= 4
    expect(pager.locator('[data-go="first"]')).to_be_disabled()
    pager.locator('[data-go="last"]').click()
    expect(pager).to_have_attribute("data-page", str(pages))
    expect(pager.locator('[data-go="next"]')).to_be_disabled()
    expect(pager.locator(f'[data-go="{pages}"]')).to_have_attribute("aria-current", "page")
    pager.locator('[data-go="1"]').click()
    expect(pager).to_have_attribute("data-page", "1")
    pager.locator(".pager-jump-input").fill("3")
    pager.locator(".pager-jump button").click()
    expect(pager).to_have_attribute("data-page", "3")
    pager.locator(".pager-jump-input").fill("999")
    pager.locator(".pager-jump-input").press("Enter")
    expect(pager).to_have_attribute("data-page", str(pages))
    problems.assert_none()


def test_the_nav_folds_behind_a_menu_button_on_a_phone(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    page.goto("/")
    expect(page.locator("#nav-toggle")).to_be_hidden()
    expect(page.locator("#site-nav")).to_be_visible()
    page.set_viewport_size(PHONE)
    header_height = page.locator(".site-header").bounding_box()["height"]
    assert header_height < 80, header_height  # one row, not three
    expect(page.locator("#site-nav")).to_be_hidden()
    page.click("#nav-toggle")
    expect(page.locator("#nav-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-nav")).to_be_visible()
    screenshot("menu-open")
    page.locator("#site-nav").get_by_role("link", name="Downloads").click()
    expect(page).to_have_url(f"{live_server}/downloads")
    expect(page.locator("#site-nav")).to_be_hidden()
    problems.assert_none()


def test_an_unknown_page_shows_mvidarrs_404_page(
    page: Page, problems: PageProblems, live_server: str, screenshot
) -> None:
    problems.expect_status(404, "/no-such-page")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("#site-nav")).to_be_visible()
    screenshot("404")
    page.get_by_role("link", name="Go to the dashboard").click()
    expect(page).to_have_url(f"{live_server}/")
    problems.assert_none()


def change_own_password(page: Page, current: str, new: str) -> None:
    page.fill("#current-password", current)
    page.fill("#new-password", new)
    page.fill("#confirm-password", new)
    page.click("#change-password")


def test_change_your_password_and_an_admin_resets_it(
    page: Page, problems: PageProblems, live_server: str, login_required: None, screenshot
) -> None:
    original, changed = PASSWORDS["user"], "user-changed-password"
    page.goto("/login?next=/account")
    log_in(page, "user", original)
    expect(page).to_have_url(f"{live_server}/account")
    expect(page.locator("#reset-password")).to_be_hidden()  # not an admin

    problems.expect_status(403, "/auth/password")
    change_own_password(page, "not-my-password", changed)
    expect(page.locator("#notices .notice-error .notice-text")).to_have_text(
        "Current password is incorrect"
    )
    change_own_password(page, original, changed)
    expect(page.locator("#notices .notice", has_text="Password changed.")).to_be_visible()
    screenshot("changed")

    # Each login lands on /account: a page with images could still be loading them
    # when the next logout comes, and they would fail.
    log_out(page, live_server)
    page.goto("/login?next=/account")
    log_in(page, "user", changed)
    expect(page.locator("#current-user")).to_have_text("user (user)")
    log_out(page, live_server)

    page.goto("/login?next=/account")
    log_in(page, "admin", PASSWORDS["admin"])
    expect(page.locator("#current-user")).to_have_text("admin (admin)")
    expect(page.locator("#reset-password")).to_be_visible()
    page.select_option("#reset-user", label="user (user)")
    page.fill("#reset-new-password", original)
    page.click("#reset-submit")
    expect(page.locator("#notices .notice", has_text="Password of user reset.")).to_be_visible()
    log_out(page, live_server)
    page.goto("/login?next=/account")
    log_in(page, "user", original)
    expect(page.locator("#current-user")).to_have_text("user (user)")
    problems.assert_none()


def test_artists_as_posters_remembered_and_the_table_sorts_by_its_headers(
    page: Page, problems: PageProblems, screenshot
) -> None:
    page.goto("/artists")
    expect(page.locator("#artist-list")).to_be_visible()
    page.locator("#artist-view [data-view=posters]").click()
    posters = page.locator("#artist-posters .artist-poster")
    expect(posters.first).to_be_visible()
    expect(page.locator("#artist-posters img.thumbnail").first).to_be_visible()
    screenshot("posters")
    page.reload()
    expect(page.locator("#artist-posters")).to_be_visible()  # the choice is remembered
    page.locator("#artist-view [data-view=table]").click()

    videos_header = page.locator("#artist-list th", has=page.locator("[data-sort=video_count]"))
    videos_header.locator("button").click()
    expect(page).to_have_url(re.compile(r"sort=video_count"))
    expect(videos_header).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#artist-sort")).to_have_value("video_count")
    videos_header.locator("button").click()
    expect(videos_header).to_have_attribute("aria-sort", "descending")
    counts = [int(text) for text in page.locator("#artist-list tbody td.numeric").all_inner_texts()]
    assert counts == sorted(counts, reverse=True), counts

    page.goto("/videos?view=table")
    year = page.locator(".video-table th", has=page.locator("[data-sort=year]"))
    year.locator("button").click()
    expect(year).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#sort-select")).to_have_value("year")
    problems.assert_none()
