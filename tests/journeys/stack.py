"""One routing's stack, run the way compose.yaml runs it, as local processes:

- a fresh MariaDB database, migrated and seeded with a small deterministic library;
- Redis (the run's own DB index, emptied first): the arq job queue, job events, and the
  gateway's shared state (rollbacks, diffs);
- `mvgate serve --workers 2` in its own process, configured only through the environment
  (DATABASE_URL, REDIS_URL, SECRET_KEY, MEDIA_ROOT, MVGATE_ROUTES, MVGATE_ADMIN_TOKEN, ...),
  watching a routing table file that the test may rewrite while the gateway runs;
- one `mvgate worker` process running the new app's jobs.

Before the journey starts, the worker's first sweep has run the seeded library's
unfinished downloads, so every routing starts from the same settled library. The simulated
upstreams (IMVDb, MusicBrainz, the media host) are the test run's own.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from shared_models.demo.defaults import DEMO_USERS
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.migrate import upgrade
from tests.conftest import MARIADB_URL, RUN_TOKEN, _mariadb_admin_connection

GATEWAY_WORKERS = 2
STARTUP_SECONDS = 60.0
SETTLE_SECONDS = 90.0
ADMIN_PASSWORD = next(user.password for user in DEMO_USERS if user.username == "admin")
RELOAD_SECONDS = 15.0
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
STARTED = "Application startup complete."
WORKER_STARTED = re.compile(r"Started server process \[(\d+)\]")
# Small, but with every status, mp4 and mkv files, playlists and downloads in all states;
# the same rows in every run (fixed ids and timestamps), so every routing starts alike.
SEED_COUNTS = {"artists": 6, "videos": 48, "playlists": 3}
SEED_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
# Variables of either app or of the gateway that the developer's shell might hold: the
# stack sets its own or none, so a run never reads someone else's database or queue.
CLEARED_ENVIRONMENT = (
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "DATA_DIR",
    "SECRET_KEY",
    "IMVDB_BASE_URL",
    "MUSICBRAINZ_BASE_URL",
    "VIDEO_URL_TEMPLATE",
    "ALLOW_PRIVATE_DOWNLOAD_HOSTS",
    "PROMETHEUS_MULTIPROC_DIR",
    "MVGATE_REDIS_URL",
)


def metric_samples(exposition: str, name: str) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of every sample of `name` in a Prometheus text exposition."""
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name
    ]


def metric_total(exposition: str, name: str) -> float:
    return sum(value for _, value in metric_samples(exposition, name))


def shadow_outcomes(exposition: str) -> dict[str, int]:
    """Shadow copies by outcome (match, noise, diff, ...), all routes added up."""
    totals: dict[str, int] = {}
    for labels, value in metric_samples(exposition, "mvgate_shadow_requests_total"):
        totals[labels["outcome"]] = totals.get(labels["outcome"], 0) + int(value)
    return totals


def table_digest(text: str) -> str:
    """How /_gateway/status names a table: the SHA-256 of the file's bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


def console_script(name: str) -> str:
    """A console script of this environment (next to its Python), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"console script {name!r} is not installed")
    return found


class Database:
    """A MariaDB database of its own, migrated and seeded; dropped by `drop`."""

    def __init__(self, label: str) -> None:
        self.name = f"mvj_{RUN_TOKEN}_{label}"[:64]
        self.url = (
            make_url(MARIADB_URL).set(database=self.name).render_as_string(hide_password=False)
        )

    def create(self, media_root: Path, upstreams: UpstreamURLs, clips_dir: Path) -> None:
        admin = _mariadb_admin_connection()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
                cursor.execute(
                    f"CREATE DATABASE `{self.name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        finally:
            admin.close()
        upgrade(self.url)
        seed_library(
            self.url,
            media_root,
            **SEED_COUNTS,
            video_url_template=upstreams.video_url_template,
            image_url_template=upstreams.image_url_template,
            clips_dir=clips_dir,
            now=SEED_NOW,
        )

    def drop(self) -> None:
        admin = _mariadb_admin_connection()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        finally:
            admin.close()


@dataclass
class StackConfig:
    label: str  # names the database, the Redis keys and the artifacts
    table: str  # routing table text the gateway starts with
    folder: Path  # working directory: table, data dir, media, logs
    upstreams: UpstreamURLs
    clips_dir: Path
    redis_url: str


class Stack:
    """A migrated, seeded database and a gateway process serving it."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.folder = config.folder
        self.table_path = self.folder / "routing_table.yaml"
        self.log_path = self.folder / "gateway.log"
        self.media_root = self.folder / "data" / "media"
        self.admin_token = secrets.token_urlsafe(24)
        self.database = Database(config.label)
        self.process: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_log_path = self.folder / "worker.log"
        self.url = ""

    # -- life ------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        upstreams = self.config.upstreams
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
        env.update(
            DATABASE_URL=self.database.url,
            DATA_DIR=str(self.folder / "data"),
            MEDIA_ROOT=str(self.media_root),
            SECRET_KEY=f"journey-{self.config.label}",
            IMVDB_BASE_URL=upstreams.imvdb_base_url,
            MUSICBRAINZ_BASE_URL=upstreams.musicbrainz_base_url,
            VIDEO_URL_TEMPLATE=upstreams.video_url_template,
            # The simulated media host is on loopback, which production refuses.
            ALLOW_PRIVATE_DOWNLOAD_HOSTS="true",
            REDIS_URL=self.config.redis_url,
            MVGATE_ROUTES=str(self.table_path),
            MVGATE_ADMIN_TOKEN=self.admin_token,
            MVGATE_REDIS_PREFIX=f"mvj-{RUN_TOKEN}-{self.config.label}",
        )
        return env

    def start(self) -> Stack:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.media_root.mkdir(parents=True, exist_ok=True)
        self.database.create(self.media_root, self.config.upstreams, self.config.clips_dir)
        # Nothing of an earlier stack (jobs, events, gateway state) may reach this one.
        redis.Redis.from_url(self.config.redis_url).flushdb()
        self.write_table(self.config.table)
        self._start_worker()
        command = [
            console_script("mvgate"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--workers",
            str(GATEWAY_WORKERS),
        ]
        log = self.log_path.open("wb")
        try:
            # Its own working directory: no .env of the checkout is read.
            self.process = subprocess.Popen(
                command, cwd=self.folder, env=self.environment(), stdout=log, stderr=log
            )
        finally:
            log.close()
        self.url = self._wait_until_serving()
        self._wait_until_settled()
        return self

    def _start_worker(self) -> None:
        log = self.worker_log_path.open("wb")
        try:
            self.worker = subprocess.Popen(
                [console_script("mvgate"), "worker"],
                cwd=self.folder,
                env=self.environment(),
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()

    def _wait_until_settled(self) -> None:
        """Until the worker has finished the seeded library's unfinished downloads (its
        sweep takes them up at start), so the person finds the same library every time."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            assert self.worker is not None
            if self.worker.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.worker_log_tail()}")
            queue = self.admin_api("/api/downloads/queue")
            if queue["count"] == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the seeded downloads never finished: {queue['downloads']}")
            time.sleep(0.5)

    def admin_api(self, path: str) -> Any:
        """The app's API as the demo admin (logins may be required)."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            login = {"username": "admin", "password": ADMIN_PASSWORD}
            client.post("/auth/login", json=login).raise_for_status()
            answer = client.get(path)
            answer.raise_for_status()
            return answer.json()

    def worker_log_tail(self) -> str:
        return "\n".join(self.worker_log_path.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        for process in (self.process, self.worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.database.drop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 12, width: int = 600) -> str:
        """The end of the log, each line cut short: enough to say why, not a whole log."""
        tail = self.log().splitlines()[-lines:]
        return "\n".join(line if len(line) <= width else line[:width] + " ..." for line in tail)

    def _wait_until_serving(self) -> str:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            text = self.log()
            listening = LISTENING.search(text)
            if listening and text.count(STARTED) >= GATEWAY_WORKERS:
                return listening.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the gateway exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            time.sleep(0.1)
        raise RuntimeError(f"the gateway did not start in {STARTUP_SECONDS} s:\n{self.log_tail()}")

    # -- the routing table -----------------------------------------------------------------

    def write_table(self, text: str) -> None:
        """Replace the table in one step (write a draft, rename it over), as editors and
        `mvgate flip` do."""
        draft = self.table_path.with_name(f".{self.table_path.name}.draft")
        draft.write_text(text)
        os.replace(draft, self.table_path)

    def worker_pids(self) -> set[int]:
        """The gateway's live worker processes (the supervisor's other children, such as
        multiprocessing's resource tracker, serve nothing)."""
        assert self.process is not None
        started = {int(pid) for pid in WORKER_STARTED.findall(self.log())}
        children = {child.pid for child in psutil.Process(self.process.pid).children()}
        return started & children

    def switch_table(self, text: str) -> None:
        """Rewrite the table and wait until every gateway worker serves it, as
        /_gateway/status shows (each answer comes from one worker: ask until all did)."""
        self.write_table(text)
        wanted = table_digest(text)
        waiting_for = self.worker_pids()
        deadline = time.monotonic() + RELOAD_SECONDS
        last: dict[str, Any] = {}
        while waiting_for and time.monotonic() < deadline:
            # A new connection each time, so the kernel hands it to any worker.
            last = self.admin_get("/_gateway/status")
            if last["digest"] == wanted and last["last_reload"]["result"] in ("ok", "unchanged"):
                waiting_for.discard(last["worker_pid"])
            else:
                time.sleep(0.05)
        if waiting_for:
            raise AssertionError(
                f"workers {sorted(waiting_for)} still serve another table after "
                f"{RELOAD_SECONDS} s; last status: {last.get('last_reload')}"
            )

    # -- shadow traffic --------------------------------------------------------------------

    def settled_shadow(self) -> tuple[dict[str, Any], str]:
        """/_gateway/diffs and /metrics once every shadow copy has finished and its outcome
        has reached the shared diff report (workers flush theirs every state interval)."""
        deadline = time.monotonic() + RELOAD_SECONDS
        while True:
            metrics = self.admin_get("/metrics").text
            diffs = self.admin_get("/_gateway/diffs")
            reported = sum(sum(r["counts"].values()) for r in diffs["routes"].values())
            counted = sum(shadow_outcomes(metrics).values())
            running = metric_total(metrics, "mvgate_shadow_in_flight")
            if (running == 0 and reported == counted) or time.monotonic() > deadline:
                return diffs, metrics
            time.sleep(0.2)

    # -- admin surface ---------------------------------------------------------------------

    def admin_get(self, path: str) -> Any:
        response = httpx.get(
            self.url + path,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json() if "json" in response.headers.get("content-type", "") else response
