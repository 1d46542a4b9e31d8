"""What a user gets from `pip install .`: the wheel, built and installed into a fresh
virtualenv without any extra (and once with `[legacy]`), run only through its own
console scripts from an empty working directory, so the checkout is never what answers.

Without extras: no Flask, no requests, no imageio-ffmpeg; it migrates, seeds, serves the
whole product with the new-only table and runs a job on a worker, on SQLite and on
MariaDB (with Redis for the queue). `mvgate check` on the shipped table says in one line
that its `legacy` backend needs the `legacy` extra. With `[legacy]`: the shipped table.

The installs come from a wheel cache kept between runs outside the checkout
(`wheelhouse()`), filled from the package index only when it lacks something.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from shared_models.demo.defaults import DEMO_USERS
from shared_models.demo.upstream_urls import upstream_urls
from tests.conftest import MARIADB_URL, RUN_TOKEN, _mariadb_admin_connection
from tests.deploy.files import REPO

pytestmark = [pytest.mark.slow]

START_SECONDS = 90.0
JOB_SECONDS = 120.0
SEED_SIZE = ["--artists", "3", "--videos", "12", "--playlists", "1"]
ADMIN = next(user for user in DEMO_USERS if user.username == "admin")
LISTENING = re.compile(r"(?:listening on|running on) (http://127\.0\.0\.1:\d+)")
NEW_ONLY_TABLE = REPO / "routing_table.new-only.yaml"
SHIPPED_TABLE = REPO / "routing_table.yaml"


def wheelhouse() -> Path:
    """Wheels of the dependencies, kept between runs (never in the checkout)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "mvidarr-cutover" / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def install(venv: Path, wheel: Path, extras: str = "") -> Path:
    """A fresh virtualenv with the wheel (and `extras`) installed; its bin directory."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check"]
    requirement = f"{wheel}[{extras}]" if extras else str(wheel)
    houses = ["--find-links", str(wheelhouse())]
    offline = subprocess.run(
        [*pip, "install", "--no-index", *houses, requirement], capture_output=True, text=True
    )
    if offline.returncode != 0:
        # The cache lacks a dependency (first run, or the dependencies changed): fill it.
        filled = subprocess.run(
            [*pip, "wheel", *houses, "-w", str(wheelhouse()), requirement],
            capture_output=True,
            text=True,
        )
        assert filled.returncode == 0, filled.stderr[-3000:]
        for stale in wheelhouse().glob("mvidarr_cutover-*.whl"):
            stale.unlink()
        subprocess.run([*pip, "install", "--no-index", *houses, requirement], check=True)
    return venv / "bin"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def runtime_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(tmp_path_factory.mktemp("venv") / "runtime", wheel)


@pytest.fixture(scope="module")
def legacy_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(tmp_path_factory.mktemp("venv") / "legacy", wheel, "legacy")


class Process:
    """A console script of the installed environment, its output in a log file."""

    def __init__(self, words: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(words, env=env, cwd=cwd, stdout=out, stderr=out)

    def log(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])

    def url(self) -> str:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            found = LISTENING.search(self.log_path.read_text(errors="replace"))
            if found:
                return found.group(1)
            assert self.popen.poll() is None, f"exited {self.popen.returncode}:\n{self.log()}"
            time.sleep(0.1)
        raise AssertionError(f"not listening after {START_SECONDS} s:\n{self.log()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Place:
    """An empty working directory and the environment the installed commands run with."""

    bin: Path
    cwd: Path
    env: dict[str, str]
    started: list[Process]

    def run(self, *words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / words[0]), *words[1:]],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def start(self, name: str, *words: str) -> Process:
        program = str(self.bin / words[0])
        process = Process([program, *words[1:]], self.env, self.cwd, self.cwd / f"{name}.log")
        self.started.append(process)
        return process


def place_for(bin_dir: Path, folder: Path, **env: str) -> Place:
    folder.mkdir(parents=True)
    base = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DATA_DIR": str(folder / "data"),
        "MEDIA_ROOT": str(folder / "data" / "media"),
        "SECRET_KEY": "clean-install-test",
    }
    return Place(bin_dir, folder, base | env, [])


@pytest.fixture
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    made = place_for(request.getfixturevalue("runtime_bin"), tmp_path / "app")
    yield made
    for process in reversed(made.started):
        process.stop()


@contextmanager
def logged_in(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=20) as client:
        login = client.post("/auth/login", json={"username": "admin", "password": ADMIN.password})
        assert login.status_code == 200, login.text
        yield client


def test_a_clean_install_has_no_flask_requests_or_bundled_ffmpeg(place: Place) -> None:
    for module in ("flask", "werkzeug", "requests", "imageio_ffmpeg", "legacy_flask"):
        found = place.run("python", "-c", f"import {module}")
        assert found.returncode != 0, f"{module} imports without extras"
    for module in ("greenlet", "gateway", "new_app", "shared_models", "benchmarks.upstreams"):
        found = place.run("python", "-c", f"import {module}; print({module}.__file__)")
        assert found.returncode == 0, found.stderr[-2000:]
        assert found.stdout.startswith(str(place.bin.parent)), found.stdout


def test_check_on_the_shipped_table_says_legacy_needs_its_extra(place: Place) -> None:
    table = place.cwd / "routing_table.yaml"
    shutil.copy2(SHIPPED_TABLE, table)
    checked = place.run("mvgate", "check", str(table))
    assert checked.returncode != 0
    assert "Traceback" not in checked.stdout + checked.stderr
    problems = [line for line in checked.stderr.splitlines() if "legacy" in line]
    assert len(problems) == 1, checked.stderr
    assert "backend 'legacy'" in problems[0]
    assert "needs the 'legacy' extra" in problems[0]
    assert "pip install 'mvidarr-cutover[legacy]'" in problems[0]


def test_serve_refuses_the_shipped_table_without_the_legacy_extra(place: Place) -> None:
    table = place.cwd / "routing_table.yaml"
    shutil.copy2(SHIPPED_TABLE, table)
    served = place.run("mvgate", "serve", "--routes", str(table), "--port", "0")
    assert served.returncode != 0
    assert "Traceback" not in served.stdout + served.stderr
    assert "needs the 'legacy' extra" in served.stderr


def upstreams_of(place: Place, clips: Path) -> str:
    """The simulated upstreams, from the installed package (no dev extra needed)."""
    simulator = place.start(
        "upstreams",
        *["python", "-m", "benchmarks.upstreams", "--host", "127.0.0.1", "--port", "0"],
        *["--media-dir", str(clips), "--log-level", "info"],
    )
    return simulator.url()


def check_serving(url: str) -> None:
    """Health, a page, a thumbnail and an mp4 Range request, as a browser asks for them."""
    assert httpx.get(f"{url}/api/health", timeout=20).status_code == 200
    with logged_in(url) as client:
        page = client.get("/videos")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        videos = client.get("/api/videos/", params={"status": "DOWNLOADED", "limit": 500})
        videos.raise_for_status()
        mp4 = next(v for v in videos.json()["videos"] if (v["local_path"] or "").endswith(".mp4"))
        thumbnail = client.get(f"/api/videos/{mp4['id']}/thumbnail")
        assert thumbnail.status_code == 200, thumbnail.text[:300]
        assert thumbnail.headers["content-type"].startswith("image/")
        ranged = client.get(f"/api/videos/{mp4['id']}/stream", headers={"Range": "bytes=0-99"})
        assert ranged.status_code == 206, ranged.text[:300]
        assert ranged.headers["content-range"].startswith("bytes 0-99/")
        assert len(ranged.content) == 100
        assert ranged.content[4:8] == b"ftyp"  # an mp4 file's first box


def download_once_on_the_worker(url: str) -> None:
    """Queue a download of a wanted video; the worker (not the gateway) finishes it."""
    with logged_in(url) as client:
        wanted = client.get("/api/videos/", params={"status": "WANTED", "limit": 500})
        video = next(v for v in wanted.json()["videos"] if not v["local_path"])
        queued = client.post(f"/api/videos/{video['id']}/download")
        assert queued.status_code in (200, 201, 202), queued.text
        deadline = time.monotonic() + JOB_SECONDS
        while True:
            row = client.get(f"/api/videos/{video['id']}").json()
            if row["status"] == "DOWNLOADED" and row["local_path"]:
                return
            assert time.monotonic() < deadline, f"not downloaded in {JOB_SECONDS} s: {row}"
            time.sleep(0.5)


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "mariadb":
        return request.getfixturevalue("mariadb_database_url_empty")
    return f"sqlite:///{tmp_path / 'mvidarr.db'}"


@pytest.fixture
def mariadb_database_url_empty() -> Iterator[str]:
    """A fresh, empty MariaDB database: the installed `mvgate db upgrade` migrates it."""
    admin = _mariadb_admin_connection()
    name = f"mvi_{RUN_TOKEN}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    yield make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


@pytest.mark.redis
def test_a_clean_install_migrates_seeds_serves_new_only_and_runs_a_job(
    place: Place, database: str, redis_url: str, sample_clips: dict[str, Path]
) -> None:
    clips = next(iter(sample_clips.values())).parent
    root = upstreams_of(place, clips)
    urls = upstream_urls(root)
    place.env.update(
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        IMVDB_BASE_URL=urls.imvdb_base_url,
        MUSICBRAINZ_BASE_URL=urls.musicbrainz_base_url,
        VIDEO_URL_TEMPLATE=urls.video_url_template,
        ALLOW_PRIVATE_DOWNLOAD_HOSTS="true",
    )
    migrated = place.run("mvgate", "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    seeded = place.run("mvgate", "seed", *SEED_SIZE, "--upstreams-url", root)
    assert seeded.returncode == 0, seeded.stderr[-3000:]

    table = place.cwd / "routing_table.yaml"
    shutil.copy2(NEW_ONLY_TABLE, table)
    checked = place.run("mvgate", "check", str(table))
    assert checked.returncode == 0, checked.stderr
    gateway = place.start("gateway", "mvgate", "serve", "--routes", str(table), "--port", "0")
    url = gateway.url()
    check_serving(url)
    assert httpx.get(f"{url}/api/health", timeout=20).headers["x-served-by"] == "new"

    place.start("worker", "mvgate", "worker")
    download_once_on_the_worker(url)


def test_the_legacy_extra_serves_the_shipped_table(
    legacy_bin: Path, tmp_path: Path, sample_clips: dict[str, Path]
) -> None:
    place = place_for(legacy_bin, tmp_path / "app", DATABASE_URL=f"sqlite:///{tmp_path}/m.db")
    try:
        assert place.run("python", "-c", "import flask, requests").returncode == 0
        assert place.run("mvgate", "db", "upgrade").returncode == 0
        clips = next(iter(sample_clips.values())).parent
        root = upstreams_of(place, clips)
        seeded = place.run("mvgate", "seed", *SEED_SIZE, "--upstreams-url", root)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        table = place.cwd / "routing_table.yaml"
        shutil.copy2(SHIPPED_TABLE, table)
        checked = place.run("mvgate", "check", str(table))
        assert checked.returncode == 0, checked.stderr
        gateway = place.start("gateway", "mvgate", "serve", "--routes", str(table), "--port", "0")
        url = gateway.url()
        check_serving(url)
        # What no route matches goes to the default backend: the Flask app.
        unrouted = httpx.get(f"{url}/no-such-page", timeout=20)
        assert unrouted.status_code == 404
        assert unrouted.headers["x-served-by"] == "legacy"
    finally:
        for process in reversed(place.started):
            process.stop()
