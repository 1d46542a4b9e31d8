"""The README's two screenshots, taken from a seeded demo in the middle of a cutover:

    python -m tests.journeys.readme_screenshots [OUTPUT_DIR]     # default: docs/images

Starts the simulated upstreams, seeds a demo library (SQLite, as `make run` does), serves
the gateway with the shipped table plus a canary and shadowing on the first video routes,
plays a little traffic through it (a browser session and a few hundred API reads from
different users), then saves the UI's dashboard (`ui.png`) and the gateway's own dashboard
(`gateway-dashboard.png`). Needs Chromium, like the browser tests.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright
from ruamel.yaml import YAML

from benchmarks.upstreams import create_app as create_upstreams
from shared_models.demo.clips import make_clips
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import upstream_urls
from shared_models.migrate import upgrade
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.upstreams import BackgroundServer
from tests.journeys.stack import LISTENING, STARTED, console_script
from tests.journeys.tables import SHIPPED_TABLE

REPO = Path(__file__).resolve().parents[2]
# Mid-cutover: the first video routes on a canary with shadowing, the rest as shipped.
CUTOVER = {
    "/api/videos/": {"canary": 50, "shadow": True, "ignore": ["query_time"]},
    "/api/videos/search": {"canary": 25, "shadow": True},
    "/api/videos/{video_id:int}": {"canary": 5, "shadow": True},
}
USERS = 40  # distinct canary cookies in the API traffic


def cutover_table() -> str:
    yaml = YAML()
    table = yaml.load(SHIPPED_TABLE.read_text())
    for route in table["routes"]:
        for key, value in CUTOVER.get(route["path"], {}).items():
            route[key] = value
    out = Path(tempfile.mkstemp(suffix=".yaml")[1])
    with out.open("w") as stream:
        yaml.dump(table, stream)
    text = out.read_text()
    out.unlink()
    return text


def api_traffic(base_url: str) -> None:
    """Reads from many users (each its own gateway cookie, so the canary splits them)."""
    for user in range(USERS):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for offset in (0, 24, 48):
                client.get("/api/videos/", params={"limit": 24, "offset": offset})
            client.get("/api/videos/search", params={"q": "love"})
            client.get(f"/api/videos/{1 + user}")
            client.get("/api/artists/", params={"page": 1 + user % 3})


def main(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mvidarr-screenshots-"))
    clips = make_clips(work / "clips")
    upstreams = BackgroundServer(
        uvicorn.Config(
            create_upstreams(media_dir=next(iter(clips.values())).parent),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
        )
    )
    urls = upstream_urls(upstreams.start())
    database_url = f"sqlite:///{work / 'mvidarr.db'}"
    upgrade(database_url)
    seed_library(
        database_url,
        work / "media",
        artists=24,
        videos=360,
        playlists=8,
        video_url_template=urls.video_url_template,
        image_url_template=urls.image_url_template,
        clips_dir=next(iter(clips.values())).parent,
    )
    (work / "routing_table.yaml").write_text(cutover_table())
    token = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(work),
        "MEDIA_ROOT": str(work / "media"),
        "SECRET_KEY": "screenshots",
        "IMVDB_BASE_URL": urls.imvdb_base_url,
        "MUSICBRAINZ_BASE_URL": urls.musicbrainz_base_url,
        "VIDEO_URL_TEMPLATE": urls.video_url_template,
        "ALLOW_PRIVATE_DOWNLOAD_HOSTS": "true",
        "MVGATE_ROUTES": str(work / "routing_table.yaml"),
        "MVGATE_ADMIN_TOKEN": token,
        "MVGATE_ACCESS_LOG": "0",
    }
    env.pop("REDIS_URL", None)
    log = (work / "gateway.log").open("wb")
    gateway = subprocess.Popen(
        [console_script("mvgate"), "serve", "--port", "0"],
        cwd=work,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            text = (work / "gateway.log").read_text()
            if STARTED in text and (found := LISTENING.search(text)):
                base_url = found.group(1)
                break
            if gateway.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the gateway did not start:\n{text}")
            time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(base_url=base_url, viewport={"width": 1280, "height": 820})
            for path in ("/videos", "/artists", "/downloads", "/playlists", "/"):
                page.goto(path)
                page.wait_for_load_state("networkidle")
            api_traffic(base_url)
            page.goto("/")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=output / "ui.png")

            time.sleep(2.5)  # two rounds of the cutover controls: the diffs are reported
            admin = browser.new_page(
                viewport={"width": 1680, "height": 900},
                extra_http_headers={"Authorization": f"Bearer {token}"},
            )
            # Show the table where the compose deployment keeps it, not this run's
            # temporary folder.
            admin.route(
                f"{base_url}/_gateway/",
                lambda route: route.fulfill(
                    response=(fetched := route.fetch()),
                    body=fetched.text().replace(str(work), "/etc/mvgate"),
                ),
            )
            admin.goto(f"{base_url}/_gateway/")
            admin.screenshot(path=output / "gateway-dashboard.png")
            browser.close()
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
        log.close()
        upstreams.stop()
    print(f"wrote {output / 'ui.png'} and {output / 'gateway-dashboard.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "images")
