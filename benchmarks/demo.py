"""`mvgate demo`: the whole stack on one machine, for a person to try (`make run`).

Migrates the database (SQLite under ./data by default), seeds the demo library once, starts
the simulated IMVDb/MusicBrainz/media upstreams in a child process, and serves the gateway
with the shipped routing table. Jobs run in-process (no Redis needed) unless REDIS_URL is
set. Every setting it chooses is only a default: the environment wins.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import typer

from gateway.serve import serve
from shared_models.cli import demo_url_templates
from shared_models.demo.defaults import DEMO_USERS
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import upstream_urls
from shared_models.migrate import upgrade
from shared_models.settings import get_settings

SIMULATOR_START_SECONDS = 60.0


def point_apps_at_simulator(root: str) -> None:
    """Defaults that send both apps to the local simulator. Downloads come from it, on
    loopback, which production refuses; the demo allows it."""
    urls = upstream_urls(root)
    os.environ.setdefault("IMVDB_BASE_URL", urls.imvdb_base_url)
    os.environ.setdefault("MUSICBRAINZ_BASE_URL", urls.musicbrainz_base_url)
    os.environ.setdefault("VIDEO_URL_TEMPLATE", urls.video_url_template)
    os.environ.setdefault("ALLOW_PRIVATE_DOWNLOAD_HOSTS", "true")
    get_settings.cache_clear()


def prepare_database() -> None:
    settings = get_settings()
    upgrade(settings.resolved_database_url)
    video_url_template, image_url_template = demo_url_templates(settings, None)
    report = seed_library(
        settings.resolved_database_url,
        settings.resolved_media_root,
        video_url_template=video_url_template,
        image_url_template=image_url_template,
        if_empty=True,
        settings=settings,
    )
    if not report.skipped:
        typer.echo(f"seeded {report.artists} artists and {report.videos} videos")


def start_simulator(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "benchmarks.upstreams", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port)])
    deadline = time.monotonic() + SIMULATOR_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise typer.Exit(f"the simulated upstreams exited ({process.returncode})")
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sim/stats", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise typer.Exit("the simulated upstreams did not start")


def demo(
    host: str = typer.Option("127.0.0.1", help="Address the gateway listens on."),
    port: int = typer.Option(8000, help="Port the gateway listens on."),
    upstreams_port: int = typer.Option(8001, help="Port of the simulated upstreams."),
    routes: Path = typer.Option(
        Path(os.environ.get("MVGATE_ROUTES", "routing_table.yaml")), help="Routing table."
    ),
) -> None:
    """Migrate, seed once, start the simulated upstreams and serve the gateway."""
    point_apps_at_simulator(f"http://127.0.0.1:{upstreams_port}")
    prepare_database()
    simulator = start_simulator(upstreams_port)
    accounts = ", ".join(f"{user.username} / {user.password}" for user in DEMO_USERS)
    typer.echo(f"MVidarr on http://{host}:{port}/  (demo accounts: {accounts})")
    try:
        serve(
            routes=routes,
            host=host,
            port=port,
            workers=1,
            log_level="info",
            access_log=True,
            watch=True,
            proxy_headers=False,
        )
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
