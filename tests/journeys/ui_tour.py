"""A tour of the UI's newer pieces, run after a person's session on the same stack and
page (no extra stack to start): the product's 404 page, the artists' poster grid and a
sorted header, the numbered pager, the video page going live as its download finishes,
a toast in view on a phone, the folded phone nav, and changing one's own password (and
back). Every step through the gateway, under the routing the stack serves."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.journeys import log_in, log_out
from tests.browser.library_api import PASSWORDS, api_put, videos_with_status
from tests.browser.problems import PageProblems
from tests.journeys.session import TRICKLE_BYTES_PER_SECOND

PHONE = {"width": 390, "height": 700}
DESKTOP = {"width": 1280, "height": 900}
DOWNLOAD_MS = 120_000
TOAST_GONE_MS = 20_000
TEMPORARY_PASSWORD = "tour-temporary-password"


def change_own_password(page: Page, current: str, new: str) -> None:
    page.fill("#current-password", current)
    page.fill("#new-password", new)
    page.fill("#confirm-password", new)
    page.click("#change-password")
    expect(page.locator("#notices .notice", has_text="Password changed.").last).to_be_visible()


def ui_tour(
    page: Page,
    base_url: str,
    upstreams_url: str,
    problems: PageProblems,
    screenshot: Callable[[str], Path],
) -> dict[str, Any]:
    """Returns what the tour saw that a test compares across routings."""
    seen: dict[str, Any] = {}
    wanted = [v for v in videos_with_status(base_url, "WANTED") if not v["local_path"]]
    to_download = wanted[-1]
    slow_url = (
        f"{upstreams_url}/media/slow/{to_download['youtube_id']}.mp4"
        f"?bytes_per_second={TRICKLE_BYTES_PER_SECOND}"
    )
    api_put(base_url, f"/api/videos/{to_download['id']}", {"youtube_url": slow_url})

    page.goto("/login?next=/account")
    log_in(page, "admin", PASSWORDS["admin"])
    expect(page.locator("#own-password")).to_be_visible()

    problems.expect_status(404, "/no-such-page")
    response = page.goto("/no-such-page")
    seen["404 status"] = response.status if response else None
    seen["404 title"] = page.locator("h1").inner_text()
    screenshot("tour-01-404")

    page.goto("/artists")
    page.locator("#artist-view [data-view=posters]").click()
    expect(page.locator("#artist-posters img.thumbnail").first).to_be_visible()
    seen["posters"] = page.locator("#artist-posters .artist-poster-name").all_inner_texts()
    screenshot("tour-02-posters")
    page.locator("#artist-view [data-view=table]").click()
    page.locator("#artist-list [data-sort=video_count]").click()
    expect(page).to_have_url(re.compile(r"sort=video_count"))
    # The URL changes as the request leaves; the header once the answer is shown.
    sorted_header = page.locator("#artist-list th[aria-sort=ascending] [data-sort=video_count]")
    expect(sorted_header).to_be_visible()
    seen["artists by videos"] = page.locator("#artist-list tbody a").all_inner_texts()

    page.goto("/videos?limit=12&view=table")
    pager = page.locator('[data-pager="videos"]')
    pager.locator('[data-go="last"]').click()
    expect(pager).to_have_attribute("data-page", pager.get_attribute("data-pages") or "")
    seen["last page"] = pager.get_attribute("data-page")

    page.goto(f"/video/{to_download['id']}")
    expect(page.locator("#no-file")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    page.click("#queue-download")
    expect(page.locator("#download-progress")).to_be_visible()
    screenshot("tour-03-downloading")
    expect(page.locator("#video-player")).to_be_visible(timeout=DOWNLOAD_MS)
    assert page.evaluate("window.sameDocument === true"), "the video page was reloaded"
    seen["video page updates"] = page.locator("#download-progress").get_attribute("data-live")
    seen["video page status"] = page.locator("#video-page").get_attribute("data-status")
    screenshot("tour-04-live")

    page.set_viewport_size(PHONE)
    expect(page.locator("#site-nav")).to_be_hidden()
    page.click("#nav-toggle")
    expect(page.locator("#site-nav")).to_be_visible()
    page.click("#nav-toggle")
    page.fill("#edit-year", "1901")
    page.click("#save-video")
    toast = page.locator("#notices .notice", has_text="Saved.")
    expect(toast).to_be_visible()
    box = toast.bounding_box()
    bottom = box["y"] + box["height"] if box else float("inf")
    seen["toast in view"] = bool(box and box["y"] >= 0 and bottom <= PHONE["height"])
    screenshot("tour-05-phone-toast")
    page.mouse.move(0, 0)
    expect(toast).to_have_count(0, timeout=TOAST_GONE_MS)
    page.set_viewport_size(DESKTOP)

    page.goto("/account")
    change_own_password(page, PASSWORDS["admin"], TEMPORARY_PASSWORD)
    change_own_password(page, TEMPORARY_PASSWORD, PASSWORDS["admin"])
    screenshot("tour-06-password")
    log_out(page, base_url)
    return seen
