"""Logging in and out when the library requires it, and what a read-only account sees."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import log_in, log_out
from tests.browser.library_api import PASSWORDS, downloaded_video, set_setting
from tests.browser.problems import PageProblems

pytestmark = pytest.mark.browser


@pytest.fixture
def login_required(live_server: str) -> Iterator[None]:
    set_setting(live_server, "require_authentication", "true")
    yield
    set_setting(live_server, "require_authentication", "false")


def test_login_then_logout(
    page: Page, problems: PageProblems, live_server: str, login_required: None, screenshot
) -> None:
    page.goto("/videos?status=DOWNLOADED")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#login-form")).to_be_visible()

    problems.expect_status(401, "/auth/login")
    log_in(page, "admin", "not-the-password")
    expect(page.locator("#login-error")).to_have_text("Invalid username or password")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    screenshot("refused")

    log_in(page, "admin", PASSWORDS["admin"])
    expect(page).to_have_url(f"{live_server}/videos?status=DOWNLOADED")
    expect(page.locator("#current-user")).to_have_text("admin (admin)")
    expect(page.locator("#video-results .video-card").first).to_be_visible()
    expect(page.locator("#status-filter")).to_have_value("DOWNLOADED")
    screenshot("logged-in")

    log_out(page, live_server)
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsettings"))
    problems.assert_none()


def test_login_never_redirects_to_another_site(
    page: Page, problems: PageProblems, live_server: str, login_required: None
) -> None:
    page.goto("/login?next=//example.invalid/steal")
    log_in(page, "user", PASSWORDS["user"])
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("#current-user")).to_have_text("user (user)")
    problems.assert_none()


def test_readonly_account_cannot_change_things(
    page: Page, problems: PageProblems, live_server: str, login_required: None
) -> None:
    video = downloaded_video(live_server, "mp4")
    page.goto(f"/login?next=/video/{video['id']}")
    log_in(page, "readonly", PASSWORDS["readonly"])
    expect(page.locator("#video-title")).to_have_text(video["title"])
    for control in ("#queue-download", "#refresh-metadata", "#save-video", "#add-to-playlist"):
        expect(page.locator(control)).to_be_disabled()

    page.goto("/settings")
    expect(page.locator("#settings-note")).to_have_text("Only administrators can change settings.")
    expect(page.locator("#settings-table tbody tr").first).to_be_visible()
    expect(page.locator("#settings-table input, #settings-table select")).to_have_count(0)
    expect(page.locator("#users-section")).to_be_hidden()
    problems.assert_none()
