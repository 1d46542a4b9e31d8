"""A person's whole session, step by step, built from tests/browser/journeys.py, written
down as the person saw it, and with every response's `X-Served-By` recorded.

What the person saw (`Seen`) leaves out what the URL of the server or the clock changes,
so two runs under different routings can be compared line by line: the promise of the
project is that they are equal.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Response, expect

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

PLAYLIST_NAME = "Road trip"
COUNT_PLACEHOLDER = "\u2013"  # an en dash
SETTING = ("metadata_refresh_days", "14")
# Slow enough that the download is still running when the downloads page opens (and, in
# the flip journey, when the table is rewritten underneath it), fast enough to end soon.
TRICKLE_BYTES_PER_SECOND = 20_000


@dataclass
class ServedBy:
    """Which backend answered each request of the page, and when the request started."""

    # (started, backend, method, path) of each answer the gateway really sent
    answers: list[tuple[float, str, str, str]] = field(default_factory=list)
    request_ids: set[str] = field(default_factory=set)

    def watch(self, page: Page, base_url: str) -> None:
        origin = urlsplit(base_url).netloc

        def record(response: Response) -> None:
            url = urlsplit(response.url)
            if url.netloc != origin:
                return
            # The browser replays cached answers (static files, thumbnails) with the
            # headers they first came with; the gateway's X-Request-ID tells them apart.
            request_id = response.headers.get("x-request-id", "")
            if request_id in self.request_ids:
                return
            self.request_ids.add(request_id)
            started = response.request.timing.get("startTime", 0) / 1000 or time.time()
            backend = response.headers.get("x-served-by", "(none)")
            self.answers.append((started, backend, response.request.method, url.path))

        page.on("response", record)

    def between(self, start: float, end: float) -> set[str]:
        return {backend for t, backend, _, _ in self.answers if start <= t < end}

    def strays(self, start: float, end: float, expected: set[str]) -> list[str]:
        """Requests started in [start, end) that another backend answered."""
        return [
            f"{method} {path} -> {backend}"
            for t, backend, method, path in self.answers
            if start <= t < end and backend not in expected
        ]


@dataclass
class Hooks:
    """What a journey does between steps (the flip journey rewrites the table here)."""

    before_playlist: Callable[[], None] = lambda: None
    while_downloading: Callable[[], None] = lambda: None


@dataclass
class JourneyData:
    to_watch: dict[str, Any]
    to_download: dict[str, Any]


def prepare(base_url: str, upstreams_url: str) -> JourneyData:
    """Through the public API, as the admin: logins required, and the video to download
    served slowly by the simulated media host."""
    set_setting(base_url, "require_authentication", "true")
    to_watch = downloaded_video(base_url, "mp4")
    wanted = [v for v in videos_with_status(base_url, "WANTED") if not v["local_path"]]
    to_download = wanted[1]
    slow_url = (
        f"{upstreams_url}/media/slow/{to_download['youtube_id']}.mp4"
        f"?bytes_per_second={TRICKLE_BYTES_PER_SECOND}"
    )
    api_put(base_url, f"/api/videos/{to_download['id']}", {"youtube_url": slow_url})
    return JourneyData(to_watch=to_watch, to_download=to_download)


def texts(page: Page, selector: str) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(selector).all_inner_texts()]


def a_persons_session(
    page: Page,
    base_url: str,
    data: JourneyData,
    hooks: Hooks,
    screenshot: Callable[[str], Path],
    notes: dict[str, Any],
) -> list[tuple[str, Any]]:
    """Log in, search, watch, visit the artist, make a playlist, download a video and watch
    it reach 100%, change a setting, log out. Returns what the person saw at each step;
    `notes` gets what the test may want to know besides."""
    seen: list[tuple[str, Any]] = []
    to_watch, to_download = data.to_watch, data.to_download

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    log_in(page, "admin", PASSWORDS["admin"])
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("#current-user")).to_have_text("admin (admin)")
    # Each count shows a dash until the dashboard's script has filled it in.
    unfilled = page.locator("#library-counts .stat-value", has_text=COUNT_PLACEHOLDER)
    expect(unfilled).to_have_count(0)
    seen.append(("dashboard", texts(page, "#library-counts .stat-card")))
    screenshot("01-dashboard")

    query = distinctive_word(to_watch["title"])
    search_videos(page, query)
    seen.append(("search", query, page.locator("#video-summary").inner_text()))
    seen.append(("results", texts(page, "#video-results .video-card-title")))
    screenshot("02-search")

    open_video_from_results(page, base_url, to_watch)
    playing = wait_until_playing(page)
    seen.append(("playing", page.locator("#video-title").inner_text(), playing["width"]))
    screenshot("03-playing")

    open_artist_of_video(page, to_watch)
    seen.append(("artist", page.locator("#artist-name").inner_text()))
    seen.append(("artist videos", texts(page, "#artist-videos .video-card-title")))
    screenshot("04-artist")

    hooks.before_playlist()

    playlist_url = create_playlist(page, PLAYLIST_NAME, "made by the journey")
    add_to_playlist(page, to_watch["id"], PLAYLIST_NAME)
    page.goto(playlist_url)
    entry = page.locator(f'#playlist-entries li[data-video-id="{to_watch["id"]}"]')
    expect(entry).to_be_visible()
    seen.append(("playlist", page.locator("#playlist-title").inner_text()))
    seen.append(("playlist entries", texts(page, "#playlist-entries li")))
    screenshot("05-playlist")

    flipped: list[bool] = []

    def on_sample(status: str, progress: float) -> None:
        # Once, while the download is really running (bytes already arriving).
        if not flipped and status == "downloading" and progress > 0:
            flipped.append(True)
            hooks.while_downloading()

    samples = queue_download_and_watch(page, base_url, to_download["id"], on_sample)
    assert samples[-1] == ("completed", 100), samples
    progress = [value for _, value in samples]
    assert progress == sorted(progress), f"the progress bar went backwards: {samples}"
    row = page.locator(f'#download-queue tbody tr[data-video-id="{to_download["id"]}"]')
    expect(row.locator(".progress-text")).to_have_text("100%")
    seen.append(("download", samples[-1], row.locator(".progress-text").inner_text()))
    finished = page.locator(f'#download-history tbody tr[data-video-id="{to_download["id"]}"]')
    expect(finished.first).to_have_attribute("data-status", "completed")
    cells = [" ".join(text.split()) for text in finished.first.locator("td").all_inner_texts()]
    # Status, size and file, not the time it finished.
    seen.append(("history", cells[1], cells[3], cells[5]))
    # How the page followed it: pushed over /ws/jobs, or polled (not something a person sees).
    notes["download updates"] = page.locator("#download-queue").get_attribute("data-live")
    screenshot("06-downloaded")

    change_setting(page, *SETTING)
    seen.append(
        (
            "setting",
            SETTING[0],
            page.locator(
                f'#settings-table tr[data-setting-key="{SETTING[0]}"] .setting-value'
            ).input_value(),
        )
    )
    screenshot("07-setting")

    log_out(page, base_url)
    page.goto("/videos")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fvideos"))
    seen.append(("after logout", urlsplit(page.url).path))
    screenshot("08-logged-out")
    return seen
