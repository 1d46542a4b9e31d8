"""MVidarr users for Locust: what a person does in the browser UI, as the API calls the
page's JavaScript makes.

    locust -f benchmarks/locustfiles/mvidarr.py --host http://127.0.0.1:8000

The ids users pick come from `MVBENCH_LIBRARY` (written by the runner) or, without it, from
the host's API when the test starts (`library.discover`). With `MVBENCH_PLAN` set, the step
load of `shape.py` drives the run (the runner does this); without it, Locust's own user
count and spawn rate do.

Weights (share of task picks; think time 1-5 s between tasks, mean 3 s):

| task | weight | requests |
|---|---|---|
| browse the video list (sort, order, page) | 30 | 1 list (+ 6 small thumbnails, below) |
| open a video | 12 | the video + its medium thumbnail |
| search the library | 10 | 1 search |
| artist pages | 10 | artist list, the artist, its videos, its thumbnail |
| refresh a video's metadata from IMVDb | 5 | 1 POST (one IMVDb call, 300 ms by default) |
| search IMVDb for an artist | 3 | 1 (one IMVDb call) |
| start an mp4 stream (Range: first 64 KiB) | 6 | 1 (time to first byte) |
| start an mkv stream (live remux by ffmpeg) | 1 | 1 (time to first byte), capped: see caps.py |
| queue a download and follow it | 1 | POST + polls of the queue every 2 s until done, capped |
| downloads page | 5 | queue + history |
| playlists | 5 | list + one playlist with its entries |
| settings page | 4 | settings |
| open a page (HTML shell) | 3 | 1 |

Browsing: half the picks show one of the first 3 pages of the default listing with 6 small
thumbnails of it (the warm-up generated those); the other half a random page in a random
sort and order, as a table (no thumbnails).

A capped task that finds its cap full does the plain version instead (mkv -> mp4 stream,
download -> downloads page), so the mix of requests stays the same at every user count.

The `seed` mix (`MVBENCH_PLAN`'s `mix`) adds `IntegrationClient`s, scripts that drive the
IMVDb-backed endpoints (search-artist, discover, refresh-metadata) one call at a time,
5 of them for every 3 browser users: about 20 % of all requests then wait on an upstream.
The simulator answers those 1-10 s late, drawn from the request's subject
(`benchmarks.upstreams.latency.spread_latency_ms`), so each such request is recorded as
`upstream: <name>` with its *server-added* time (response time minus the known upstream
delay) as its response time; the step's SLO judges the two groups apart (shape.py).
"""

from __future__ import annotations

import os
import random
import time

import gevent
from locust import between, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from benchmarks.locustfiles import caps
from benchmarks.locustfiles.library import (
    ENV_VAR,
    HOT_PAGES,
    PAGES,
    STREAM_RANGE,
    Library,
    discover,
    load_library,
)
from benchmarks.locustfiles.plan import Plan
from benchmarks.upstreams.latency import spread_latency_ms

LIBRARY: Library | None = None
PLAN = Plan.from_env() if os.environ.get("MVBENCH_PLAN") else None
SEED_MIX = PLAN is not None and PLAN.mix == "seed"
# Request names of upstream-backed requests whose time is the server-added time.
UPSTREAM_PREFIX = "upstream: "
# An integration client starts one call every this many seconds (longer than the slowest
# upstream answer, so its rate does not depend on how slow the upstream is).
INTEGRATION_PACING_SECONDS = 11.0
LIST_SORTS = ("title", "artist_name", "year", "created_at", "status")
ARTIST_SORTS = ("name", "created_at", "video_count")
THUMBNAILS_PER_PAGE = 6
FIRST_BYTES = 4096
POLL_SECONDS = 2.0
POLL_LIMIT_SECONDS = 60.0
# A video player asks for the raw bytes; compression would change what is measured.
MEDIA_HEADERS = {"Accept-Encoding": "identity"}

# One per load-generator process: the caps hold for the whole run (see caps.py).
MKV_CAP = caps.from_env("mkv", interval=2.0, concurrent=2)
DOWNLOAD_CAP = caps.from_env("download", interval=5.0, concurrent=4)


@events.test_start.add_listener
def _load_library(environment: Environment, **_kwargs: object) -> None:
    global LIBRARY
    if environment.parsed_options and environment.parsed_options.master:
        return  # the master runs no users
    if os.environ.get(ENV_VAR):
        LIBRARY = load_library()
    else:
        LIBRARY = discover(environment.host or "http://127.0.0.1:8000")
    # Each process takes download ids in its own order: rarely the same video twice.
    random.Random(os.getpid()).shuffle(LIBRARY.download_video_ids)


def library() -> Library:
    if LIBRARY is None:
        raise RuntimeError("the library was not loaded (test_start did not run)")
    return LIBRARY


class MVidarrUser(FastHttpUser):
    wait_time = between(1, 5)
    weight = 3
    # Every user is one browser: one keep-alive connection, like a tab's fetches.
    concurrency = 1
    network_timeout = 60.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        self.rng = random.Random()

    @task(30)
    def browse_videos(self) -> None:
        lib = library()
        if self.rng.random() < 0.5:  # the default view: first pages, thumbnails shown
            offset = 50 * self.rng.randrange(min(HOT_PAGES, lib.listing_pages))
            page = self.client.get(
                f"/api/videos/?limit=50&offset={offset}", name="/api/videos/ (default)"
            )
            videos = page.json()["videos"] if page.status_code == 200 else []
            for video in self.rng.sample(videos, min(THUMBNAILS_PER_PAGE, len(videos))):
                self.client.get(
                    f"/api/videos/{video['id']}/thumbnail/small",
                    name="/api/videos/[id]/thumbnail/small",
                )
            return
        sort = self.rng.choice(LIST_SORTS)
        order = self.rng.choice(("asc", "desc"))
        offset = 50 * self.rng.randrange(lib.listing_pages)
        self.client.get(
            f"/api/videos/?limit=50&offset={offset}&sort={sort}&order={order}",
            name="/api/videos/ (sorted)",
        )

    @task(12)
    def open_video(self) -> None:
        video_id = self.rng.choice(library().hot_video_ids)
        self.client.get(f"/api/videos/{video_id}", name="/api/videos/[id]")
        self.client.get(f"/api/videos/{video_id}/thumbnail", name="/api/videos/[id]/thumbnail")

    @task(10)
    def search_library(self) -> None:
        word = self.rng.choice(library().video_words)
        self.client.get(f"/api/videos/search?q={word}&limit=50", name="/api/videos/search")

    @task(10)
    def artist_pages(self) -> None:
        lib = library()
        page = 1 + self.rng.randrange(lib.artist_pages)
        sort = self.rng.choice(ARTIST_SORTS)
        self.client.get(f"/api/artists/?page={page}&per_page=50&sort={sort}", name="/api/artists/")
        artist_id = self.rng.choice(lib.artist_ids)
        self.client.get(f"/api/artists/{artist_id}", name="/api/artists/[id]")
        self.client.get(
            f"/api/artists/{artist_id}/videos?limit=50", name="/api/artists/[id]/videos"
        )
        self.client.get(f"/api/artists/{artist_id}/thumbnail", name="/api/artists/[id]/thumbnail")

    @task(5)
    def refresh_metadata(self) -> None:
        refresh_metadata(self)

    @task(3)
    def search_imvdb(self) -> None:
        search_imvdb(self)

    @task(6)
    def stream_mp4(self) -> None:
        video_id = self.rng.choice(library().mp4_video_ids)
        self._first_bytes(video_id, "stream mp4 (first byte)", {"Range": STREAM_RANGE})

    @task(1)
    def stream_mkv(self) -> None:
        lib = library()
        if not lib.mkv_video_ids or not MKV_CAP.try_start():
            self.stream_mp4()
            return
        try:
            self._first_bytes(self.rng.choice(lib.mkv_video_ids), "stream mkv (first byte)", {})
        finally:
            MKV_CAP.done()

    @task(1)
    def queue_download(self) -> None:
        lib = library()
        if not lib.download_video_ids or not DOWNLOAD_CAP.try_start():
            self.downloads_page()
            return
        try:
            self._download(lib.download_video_ids.pop())
        finally:
            DOWNLOAD_CAP.done()

    @task(5)
    def downloads_page(self) -> None:
        self.client.get("/api/downloads/queue", name="/api/downloads/queue")
        self.client.get("/api/downloads/history?per_page=20", name="/api/downloads/history")

    @task(5)
    def playlists(self) -> None:
        self.client.get("/api/playlists/", name="/api/playlists/")
        playlist_id = self.rng.choice(library().playlist_ids)
        self.client.get(f"/api/playlists/{playlist_id}", name="/api/playlists/[id]")

    @task(4)
    def settings(self) -> None:
        self.client.get("/api/settings/", name="/api/settings/")

    @task(3)
    def open_page(self) -> None:
        self.client.get(self.rng.choice(PAGES), name="page shell")

    def _first_bytes(self, video_id: int, name: str, headers: dict[str, str]) -> None:
        """Time to the first bytes of the body (not just the headers: a WSGI server sends
        the headers with the first chunk, an ASGI one may send them before), then the
        rest: a player that asked for these bytes reads them."""
        started = time.perf_counter()
        with self.client.get(
            f"/api/videos/{video_id}/stream",
            name=name,
            headers={**MEDIA_HEADERS, **headers},
            stream=True,
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 206):
                response.stream.read()  # the connection stays usable
                response.failure(f"status {response.status_code}")
                return
            first = response.stream.read(FIRST_BYTES)
            response.request_meta["response_time"] = (time.perf_counter() - started) * 1000
            rest = response.stream.read()
            response.request_meta["response_length"] = len(first) + len(rest)
            if not first:
                response.failure("empty body")

    def _download(self, video_id: int) -> None:
        queued = self.client.post(
            f"/api/videos/{video_id}/download", json={}, name="/api/videos/[id]/download"
        )
        if queued.status_code not in (200, 202):
            return
        download_id = queued.json()["download"]["id"]
        deadline = time.monotonic() + POLL_LIMIT_SECONDS
        while time.monotonic() < deadline:
            gevent.sleep(POLL_SECONDS)
            queue = self.client.get("/api/downloads/queue", name="/api/downloads/queue (poll)")
            if queue.status_code != 200:
                return
            if all(row["id"] != download_id for row in queue.json()["downloads"]):
                break
        self.client.get("/api/downloads/history?per_page=20", name="/api/downloads/history")


def upstream_call(
    user: FastHttpUser, method: str, path: str, name: str, subject: str | None
) -> None:
    """One upstream-backed request. In the seed mix its recorded time is what the server
    added to the upstream's own (known) delay for `subject`."""
    if not SEED_MIX or PLAN is None or subject is None:
        user.client.request(method, path, name=name)
        return
    delay_ms = spread_latency_ms(subject, *PLAN.upstream_delay_ms)
    started = time.perf_counter()
    with user.client.request(
        method, path, name=UPSTREAM_PREFIX + name, catch_response=True
    ) as response:
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.request_meta["response_time"] = max(0.0, elapsed_ms - delay_ms)
        if response.status_code >= 400:
            response.failure(f"status {response.status_code}")


def refresh_metadata(user: MVidarrUser | IntegrationClient) -> None:
    lib = library()
    video_id = user.rng.choice(lib.refresh_video_ids)
    path = f"/api/videos/{video_id}/refresh-metadata"
    name = "/api/videos/[id]/refresh-metadata"
    # The refresh asks IMVDb for the video by its IMVDb id: that is the call's subject.
    upstream_call(user, "POST", path, name, lib.video_imvdb_ids.get(str(video_id)))


def search_imvdb(user: MVidarrUser | IntegrationClient) -> None:
    word = user.rng.choice(library().artist_words)
    upstream_call(
        user, "GET", f"/api/imvdb/search-artist?q={word}", "/api/imvdb/search-artist", word
    )


def discover_artists(user: IntegrationClient) -> None:
    word = user.rng.choice(library().artist_words)
    upstream_call(user, "GET", f"/api/artists/discover?q={word}", "/api/artists/discover", word)


class IntegrationClient(FastHttpUser):
    """A script using the API (the seed mix only): one IMVDb-backed call at a time."""

    wait_time = constant_pacing(INTEGRATION_PACING_SECONDS)
    weight = 5 if SEED_MIX else 0
    concurrency = 1
    network_timeout = 60.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def call_upstream(self) -> None:
        self.rng.choice((refresh_metadata, search_imvdb, discover_artists))(self)


if not SEED_MIX:
    del IntegrationClient  # Locust runs every user class it finds in the file

if os.environ.get("MVBENCH_PLAN"):
    from benchmarks.locustfiles.shape import StepLoad  # noqa: F401 - Locust finds it here
